package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in checks that run on the session's own thread keep their step's budget too: given a
 * budget of 1 ms and megabytes to read (work that takes tens of milliseconds at the very least),
 * the rules and DKIM signing steps are failed as timed out and the step's failure mode applies;
 * the disclaimer stays linear on HTML that a regular expression would take minutes over.
 */
class InlineCheckBudgetTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        String yaml = TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  max-body-scan: 16MB
                  body-checks:
                    - pattern: "(?i)wire the money"
                    - pattern: "(?i)gift cards? for the ceo"
                - name: disclaimer
                  type: disclaimer
                  text: This message is confidential.
                - name: dkim
                  type: dkim-sign
                  keys:
                    - {domain: example.test, selector: s1, algorithm: ed25519-sha256}
                """, """
                content:
                  chain:
                    - check: rules
                      timeout: 1ms
                """, """
                content:
                  chain: [disclaimer]
                """);
        String signing = """
                  - name: signing
                    bind: 127.0.0.1:0
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    content:
                      chain:
                        - check: dkim
                          timeout: 1ms
                          on-failure: fail-open
                """;
        int domains = yaml.indexOf("\ndomains:") + 1; // after the listeners
        gateway = TestGateway.startYaml(yaml.substring(0, domains) + signing + yaml.substring(domains));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void rulesPastTheirBudgetTakeTheFailureMode() throws Exception {
        int before = gateway.queued().size();
        String message = "Subject: long\r\nContent-Type: text/plain\r\n\r\n" + "an ordinary line of text, again and again\r\n".repeat(200_000);
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.transaction("sender@remote.test", "user@example.test", message,
                    "451 4.7.1 Message content could not be checked, try again later");
            smtp.send("NOOP").expect("250");
        }
        assertThat(gateway.queued()).hasSize(before);
        assertThat(gateway.metrics()).containsPattern(
                "portcullis_content_checks_total\\{.*check=\"rules\".*result=\"timeout\".*} 1.0");
    }

    @Test
    void signingPastItsBudgetIsSkippedAndSaysSo() throws Exception {
        String message = "From: user@example.test\r\nSubject: big\r\n\r\n" + "x".repeat(76).concat("\r\n").repeat(100_000);
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("signing"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250");
            String id = smtp.sendMessage("user@example.test", "colleague@example.test", message);
            String stored = new String(gateway.message(id), StandardCharsets.UTF_8);
            assertThat(stored).contains(ContentChain.SKIPPED_HEADER + ": dkim (timeout)").doesNotContain("DKIM-Signature:");
        }
    }

    @Test
    void disclaimerStaysLinearOnUnclosedTags() throws Exception {
        String message = "From: user@example.test\r\nSubject: html\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
                + "<p>start</p>\r\n" + "<".repeat(998).concat("\r\n").repeat(300); // no > after them
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) { // every read gives up after 10 s
            smtp.expect("220").send("EHLO internal.example.test").expect("250");
            String id = smtp.sendMessage("user@example.test", "someone@remote.test", message);
            assertThat(new String(gateway.message(id), StandardCharsets.UTF_8)).contains("This message is confidential.");
        }
    }
}
