package io.portcullis.delivery.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy grammar (RFC 8461 §3.2), the TXT records (§3.1, RFC 8460 §3) and MX matching (§4.1). */
class StsPolicyTextTest {
    private static StsPolicyText.Parsed parse(String text) {
        return StsPolicyText.parse(text.replace("|", "\n"), "id1", Instant.EPOCH);
    }

    @Test
    void aPolicyWithCrlfOrLfLinesExtensionsAndRepeatsParses() {
        StsPolicyText.Parsed parsed = parse("version: STSv1\r|mode: enforce|mx: MX.Example.COM.|mx:*.backup.example.com|"
                + "max_age:86400|x-extension: anything at all|mode: none|");
        assertThat(parsed).isInstanceOfSatisfying(StsPolicyText.Valid.class, valid -> {
            assertThat(valid.policy().mode()).as("the first mode counts").isEqualTo(StsPolicy.Mode.ENFORCE);
            assertThat(valid.policy().mx()).containsExactly("mx.example.com", "*.backup.example.com");
            assertThat(valid.policy().maxAge()).isEqualTo(86400);
        });
    }

    @Test
    void modeNoneNeedsNoMx() {
        assertThat(parse("version: STSv1|mode: none|max_age: 1")).isInstanceOf(StsPolicyText.Valid.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "mode: enforce|mx: a.test|max_age: 1                        ; no version field",
        "version: STSv2|mode: enforce|mx: a.test|max_age: 1         ; version is not STSv1",
        "version: STSv1|mx: a.test|max_age: 1                       ; no mode field",
        "version: STSv1|mode: Enforce|mx: a.test|max_age: 1         ; is not enforce, testing or none",
        "version: STSv1|mode: enforce|max_age: 1                    ; no mx field",
        "version: STSv1|mode: enforce|mx: a.test                    ; no max_age field",
        "version: STSv1|mode: enforce|mx: a.test|max_age: -1        ; max_age is not 1 to 10 digits",
        "version: STSv1|mode: enforce|mx: a.test|max_age: 12345678901 ; max_age is not 1 to 10 digits",
        "version: STSv1|mode: enforce|mx: a.test|max_age: 1e3       ; max_age is not 1 to 10 digits",
        "version: STSv1|mode: enforce|mx: *.*.a.test|max_age: 1     ; is not a host name or *.domain",
        "version: STSv1|mode: enforce|mx: a_b.test|max_age: 1       ; is not a host name or *.domain",
        "version: STSv1|mode: enforce|mx: a.test|max_age: 1|garbage ; is not \"key: value\"",
        "version: STSv1||mode: enforce|mx: a.test|max_age: 1        ; is not \"key: value\""})
    void anInvalidPolicySaysWhy(String text, String reason) {
        assertThat(parse(text)).isInstanceOfSatisfying(StsPolicyText.Invalid.class,
                invalid -> assertThat(invalid.reason()).contains(reason));
    }

    @Test
    void hostileSizesAreRefused() {
        String head = "version: STSv1|mode: enforce|max_age: 1|";
        assertThat(parse(head + "mx: a.test|".repeat(100))).isInstanceOf(StsPolicyText.Valid.class);
        assertThat(parse(head + "mx: a.test|".repeat(101))).isInstanceOfSatisfying(StsPolicyText.Invalid.class,
                invalid -> assertThat(invalid.reason()).contains("more than 100 mx"));
        assertThat(parse(head + "mx: a.test|x: " + "y".repeat(1000))).isInstanceOfSatisfying(StsPolicyText.Invalid.class,
                invalid -> assertThat(invalid.reason()).contains("longer than 1000"));
        assertThat(parse(head + "mx: a.test|" + "x: y|".repeat(1000))).isInstanceOfSatisfying(StsPolicyText.Invalid.class,
                invalid -> assertThat(invalid.reason()).contains("more than 1000 lines"));
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "mx.example.com,     mx.example.com,        true",
        "mx.example.com,     MX.EXAMPLE.COM.,       true",
        "mx.example.com,     mx2.example.com,       false",
        "*.example.com,      mx.example.com,        true",
        "*.example.com,      example.com,           false",
        "*.example.com,      a.b.example.com,       false",
        "*.example.com,      mx.example.com.evil,   false",
        "*.example.com,      .example.com,          false"})
    void mxPatternsMatchAsRfc8461Says(String pattern, String host, boolean matches) {
        StsPolicy policy = new StsPolicy("1", StsPolicy.Mode.ENFORCE, List.of(pattern), 1, Instant.EPOCH);
        assertThat(policy.matches(host)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "v=STSv1; id=20160831085700Z;          | 20160831085700Z",
        "v=STSv1;id=abc                        | abc",
        "v=STSv1; id=abc; ext=1                | abc",
        "v=STSv1; id=has-dash                  | ",
        "v=STSv1; id=123456789012345678901234567890123 | ",
        "v=STSv1;                              | ",
        "v=STSv10; id=abc                      | ",
        "id=abc; v=STSv1                       | "})
    void theStsRecordGivesItsId(String text, String id) {
        assertThat(PolicyRecords.stsId(List.of(text, "some other TXT record")).orElse(null)).isEqualTo(id);
    }

    @Test
    void twoStsRecordsAreNone() {
        assertThat(PolicyRecords.stsId(List.of("v=STSv1; id=a", "v=STSv1; id=b"))).isEmpty();
        assertThat(PolicyRecords.reportAddresses(List.of("v=TLSRPTv1; rua=mailto:a@b.test", "v=TLSRPTv1; rua=mailto:c@d.test")))
                .isEmpty();
    }

    @Test
    void theReportRecordGivesMailtoAndHttpsAddressesOnly() {
        assertThat(PolicyRecords.reportAddresses(List.of(
                "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1,http://plain.example.com/,ftp://x/")))
                .containsExactly(URI.create("mailto:tlsrpt@example.com"), URI.create("https://reports.example.com/v1"));
        assertThat(PolicyRecords.reportAddresses(List.of("v=TLSRPTv1; rua=" + "mailto:a@b.test,".repeat(20))))
                .as("at most five").hasSize(5);
    }
}
