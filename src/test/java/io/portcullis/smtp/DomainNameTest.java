package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One canonical spelling per domain: IDNA A-labels after UTS #46 mapping, lower case, no root dot. */
class DomainNameTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "example.test                         | example.test",
        "EXAMPLE.Test                         | example.test",
        "example.test.                        | example.test",
        "\uff45xample.test                    | example.test",
        "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25\uff0e\uff54\uff45\uff53\uff54 | example.test",
        "example\u3002test                    | example.test",
        "example\uff0etest                    | example.test",
        "example\uff61test                    | example.test",
        "example.test\u3002                   | example.test",
        "exa\u00admple.test                   | example.test",
        "exa\u200bmple.test                   | example.test",
        "\ud83c\udd34xample.test              | example.test",
        "b\u00fccher.test                     | xn--bcher-kva.test",
        "B\u00dcCHER.TEST                     | xn--bcher-kva.test",
        "XN--BCHER-KVA.test                   | xn--bcher-kva.test",
        "xn--bcher-kva.test.                  | xn--bcher-kva.test",
        "ex\u0430mple.test                    | xn--exmple-4nf.test",
        "[192.0.2.1]                          | [192.0.2.1]",
        "[IPv6:2001:DB8::1]                   | [ipv6:2001:db8::1]",
    })
    void mapsEverySpellingToOne(String domain, String canonical) {
        assertThat(DomainName.canonical(domain)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"xn--zz.test", "xn--example-.test", "ex\u200dample.test", "example..test\u3002x", ".", "\u3002"})
    void hasNoCanonicalFormForInvalidNames(String domain) {
        assertThat(DomainName.canonical(domain)).isNull();
    }
}
