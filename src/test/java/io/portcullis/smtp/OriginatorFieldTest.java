package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A From:/Sender: value read as exactly one mailbox, its domain in the canonical form. */
class OriginatorFieldTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ceo@example.test                                 | ceo | example.test",
        "<ceo@example.test>                               | ceo | example.test",
        "The Boss <ceo@example.test>                      | ceo | example.test",
        "John Q. Public <ceo@example.test>                | ceo | example.test",
        "\"Boss, The\" <ceo@example.test>                 | ceo | example.test",
        "\"x@evil.test\" <ceo@example.test>               | ceo | example.test",
        "=?utf-8?q?Gr=C3=BC=C3=9Fe?= <ceo@example.test>   | ceo | example.test",
        "ceo@example.test (x@evil.test)                   | ceo | example.test",
        "(x@evil.test) ceo@example.test                   | ceo | example.test",
        "ceo(comment)@(comment)example.test               | ceo | example.test",
        "ceo (nested (comment)) @ example.test            | ceo | example.test",
        "\"ceo\"@example.test                             | ceo | example.test",
        "<  ceo@example.test  >                           | ceo | example.test",
        "CEO@EXAMPLE.TEST                                 | CEO | example.test",
        "ceo@\uff45xample.test                            | ceo | example.test",
        "ceo@example\u3002test                            | ceo | example.test",
        "ceo@example\uff0etest                            | ceo | example.test",
        "ceo@example\uff61test                            | ceo | example.test",
        "ceo@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.test | ceo | example.test",
        "ceo@example.test\u3002                           | ceo | example.test",
        "ceo@exa\u00admple.test                           | ceo | example.test",
        "ceo@XN--BCHER-KVA.test                           | ceo | xn--bcher-kva.test",
        "ceo@b\u00fccher.test                             | ceo | xn--bcher-kva.test",
        "ceo@\ud83c\udd34xample.test                      | ceo | example.test",
    })
    void readsTheOneMailboxAndItsCanonicalDomain(String value, String localPart, String domain) throws Exception {
        Mailbox mailbox = OriginatorField.parse(value);
        assertThat(mailbox.unquotedLocalPart()).isEqualTo(localPart);
        assertThat(mailbox.canonicalDomain()).isEqualTo(domain);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   ",
        "a@example.org, ceo@example.test",
        "a@example.org,ceo@example.test",
        "<a@example.org>, <ceo@example.test>",
        "group: ceo@example.test;",
        "group:;",
        "undisclosed-recipients:;",
        "<>",
        "<@relay.test:ceo@example.test>",
        "ceo . boss@example.test",
        "ceo@example . test",
        "ceo@example.test.",
        "ceo@example..test",
        "\"Boss\" ceo@example.test",
        "Boss <ceo@example.test",
        "ceo@example.test <x@evil.test>",
        "ceo@example.test garbage",
        "ceo",
        "ceo@",
        "@example.test",
        "ceo@ex\u200dample.test",
        "ceo@xn--zz.test",
        "=?utf-8?q?ceo=40example.test?=",
        "(unterminated ceo@example.test",
        "((((((((((((((((((deep))))))))))))))))) ceo@example.test",
    })
    void refusesWhatIsNotExactlyOneStandardMailbox(String value) {
        assertThatThrownBy(() -> OriginatorField.parse(value)).isInstanceOf(SyntaxException.class);
    }
}
