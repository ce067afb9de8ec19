package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.delivery.QueueService;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The built-in rules in the inbound chain, driven over SMTP; the outbound listener runs no chain. */
class ContentRulesTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  max-nesting: 4
                  header-checks:
                    - pattern: "(?i)^Subject:.*\\\\bviagra\\\\b"
                      text: Spam phrase in Subject
                    - pattern: "^X-Mailer: BulkBlaster"
                      action: quarantine
                      text: bulk mailer
                    - pattern: "^X-Retry-Me:"
                      action: tempfail
                  body-checks:
                    - pattern: "(?i)wire the money"
                  block-attachments:
                    names: ["*.exe", "*.scr", "*.js"]
                    types: [application/x-msdownload]
                """, """
                content:
                  chain: [rules]
                """, ""));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    record Case(String name, String message, String reply) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> refused() {
        String exe = base64("MZ fake program");
        return List.of(
                new Case("header check", "Subject: cheap Viagra here\r\n\r\nhello\r\n", "550 5.7.1 Spam phrase in Subject"),
                new Case("header check on a folded field", "Subject: cheap\r\n viagra here\r\n\r\nhello\r\n",
                        "550 5.7.1 Spam phrase in Subject"),
                new Case("tempfail rule", "X-Retry-Me: yes\r\nSubject: x\r\n\r\nhello\r\n", "451 4.7.1"),
                new Case("body check inside base64", "Subject: invoice\r\nMIME-Version: 1.0\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + base64("Please wire the money today.\n") + "\r\n", "550 5.7.1 Message content rejected"),
                new Case("body check inside quoted-printable", "Subject: invoice\r\nMIME-Version: 1.0\r\n"
                        + "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                        + "Please wire the =\r\nmoney today.\r\n", "550 5.7.1 Message content rejected"),
                new Case("attachment by name", multipart("Content-Type: application/octet-stream; name=\"invoice.exe\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + exe), "554 5.7.1 Message rejected: attachment type not allowed: invoice.exe"),
                new Case("RFC 2231 split and encoded name", multipart("Content-Type: application/octet-stream\r\n"
                        + "Content-Disposition: attachment; filename*0*=UTF-8''in%76oice; filename*1=\".e\"; filename*2=\"xe\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + exe), "554 5.7.1 Message rejected: attachment type not allowed: invoice.exe"),
                new Case("RFC 2047 encoded name, upper case", multipart("Content-Type: application/octet-stream\r\n"
                        + "Content-Disposition: attachment; filename=\"=?UTF-8?B?" + base64("SETUP.SCR").strip() + "?=\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + exe), "554 5.7.1 Message rejected: attachment type not allowed: SETUP.SCR"),
                new Case("declared type", multipart("Content-Type: application/x-msdownload\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + exe), "554 5.7.1 Message rejected: attachment type not allowed: application/x-msdownload"),
                new Case("attachment in a forwarded message", multipart("Content-Type: message/rfc822\r\n\r\n"
                        + "Subject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n"
                        + "--inner\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                        + "--inner\r\nContent-Type: application/octet-stream; name=\"run.js\"\r\n\r\nalert(1)\r\n--inner--\r\n"),
                        "554 5.7.1 Message rejected: attachment type not allowed: run.js"),
                new Case("nesting deeper than max-nesting", nested(6), "554 5.6.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesOnTheInboundListener(Case c) throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", c.message(), c.reply());
            smtp.send("NOOP").expect("250 2.0.0"); // the session goes on after a content refusal
        }
        assertThat(gateway.queued()).hasSize(before);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    @Test
    void passesOrdinaryMailUnchanged() throws Exception {
        String message = "Subject: report\r\nMIME-Version: 1.0\r\n" + multipart(
                "Content-Type: application/pdf; name=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + base64("%PDF-1.4 harmless")).substring("MIME-Version: 1.0\r\n".length());
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("sender@remote.test", "user@example.test", message);
            assertThat(gateway.messageWithoutOurReceived(id)).isEqualTo(message);
            assertThat(gateway.envelope(id).quarantine()).isNull();
        }
    }

    @Test
    void outboundListenerRunsNoChain() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.sendMessage("user@example.test", "someone@remote.test", "Subject: viagra discussion\r\n\r\nhi\r\n");
        }
    }

    @Test
    void quarantinesAndReleases() throws Exception {
        String id;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            id = smtp.sendMessage("sender@remote.test", "user@example.test", "X-Mailer: BulkBlaster 3\r\nSubject: deals\r\n\r\nhi\r\n");
        }
        assertThat(gateway.quarantine().entry(id).reason()).isEqualTo("header-check: bulk mailer");
        assertThat(gateway.queued()).doesNotContain(id); // held in the quarantine, not in the delivery queue
        io.portcullis.quarantine.Quarantine.Outcome released = gateway.quarantine().release(id, List.of(), "test");
        assertThat(released.recipients()).isEqualTo(1);
        String copy = released.queued().getFirst();
        assertThat(gateway.envelope(copy).quarantine()).isNull();
        assertThat(gateway.envelope(copy).recipients()).extracting(r -> r.address()).containsExactly("user@example.test");
        assertThat(new QueueService(gateway.scheduler()).list(e -> e.id().equals(copy)).getFirst().held()).isFalse();
    }

    static String base64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    /** A multipart/mixed message: a text part, then the given part (its headers, blank line, body). */
    static String multipart(String part) {
        return "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                + "--outer\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                + "--outer\r\n" + part + "\r\n--outer--\r\n";
    }

    static String nested(int depth) {
        StringBuilder message = new StringBuilder("MIME-Version: 1.0\r\n");
        for (int i = 0; i < depth; i++) {
            message.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i).append("\r\n");
        }
        message.append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            message.append("--b").append(i).append("--\r\n");
        }
        return message.toString();
    }
}
