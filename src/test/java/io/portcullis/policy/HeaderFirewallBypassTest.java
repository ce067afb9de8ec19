package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The header firewall never passes a field it is told to remove, however long (issue 12,
 * finding 4): the inbound listener removes X-Portcullis-* and X-Internal-Trust. A long field
 * it does not select passes unchanged; a header section over max-header-size is refused.
 */
class HeaderFirewallBypassTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    /** A field of about {@code octets}, folded into continuation lines of 990 octets starting with {@code fold}. */
    private static String longField(String nameAndColon, int octets, String fold) {
        StringBuilder field = new StringBuilder(nameAndColon).append(" yes\r\n");
        while (field.length() < octets) {
            field.append(fold).append("c".repeat(990 - fold.length())).append("\r\n");
        }
        return field.toString();
    }

    record Case(String name, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> firewalled() {
        return List.of(
                new Case("70 KB of folded continuation lines", longField("X-Portcullis-Trusted:", 70 * 1024, " ")),
                new Case("tab-folded", longField("X-Portcullis-Trusted:", 70 * 1024, "\t")),
                new Case("just under the hold size", longField("X-Portcullis-Trusted:", 64 * 1024 - 1000, " ")),
                new Case("just over the hold size", longField("X-Portcullis-Trusted:", 64 * 1024 + 10, " ")),
                new Case("just under the header limit", longField("X-Portcullis-Trusted:", 98 * 1024, " ")),
                new Case("lower case name", longField("x-portcullis-trusted:", 70 * 1024, " ")),
                new Case("upper case name", longField("X-PORTCULLIS-TRUSTED:", 70 * 1024, " ")),
                new Case("white space before the colon", longField("X-Portcullis-Trusted :", 70 * 1024, " ")),
                new Case("tab before the colon", longField("X-Portcullis-Trusted\t:", 70 * 1024, " ")),
                new Case("exact name", longField("X-Internal-Trust:", 70 * 1024, " ")),
                new Case("two in a row", longField("X-Portcullis-A:", 66 * 1024, " ") + "X-Portcullis-B: yes\r\n"),
                new Case("short one", "X-Portcullis-Trusted: yes\r\n"));
    }

    /** Sends by DATA, then by BDAT in chunks that split the field anywhere; returns the stored messages. */
    private static List<String> sendBothWays(String message) throws IOException {
        String data;
        String bdat;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            data = smtp.transaction("someone@example.org", "known@example.test", message, "250 2.0.0");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250");
            smtp.send("RCPT TO:<known@example.test>").expect("250");
            byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
            int chunk = 7777;
            for (int offset = 0; offset < bytes.length; offset += chunk) {
                int length = Math.min(chunk, bytes.length - offset);
                boolean last = offset + length == bytes.length;
                smtp.sendRaw("BDAT " + length + (last ? " LAST" : "") + "\r\n");
                smtp.sendRaw(Arrays.copyOfRange(bytes, offset, offset + length));
                smtp.expect("250 2.0.0");
            }
            bdat = smtp.queueId();
        }
        return List.of(gateway.messageWithoutOurReceived(data), gateway.messageWithoutOurReceived(bdat));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firewalled")
    void aFirewalledFieldIsRemovedHoweverLong(Case c) throws Exception {
        String kept = "From: someone@example.org\r\n";
        for (String stored : sendBothWays(kept + c.field() + "Subject: after\r\n\r\nbody\r\n")) {
            assertThat(stored).isEqualTo(kept + "Subject: after\r\n\r\nbody\r\n");
        }
        for (String stored : sendBothWays(kept + c.field())) { // no body: the field ends the message
            assertThat(stored).isEqualTo(kept);
        }
    }

    @Test
    void aLongFieldTheFirewallDoesNotSelectPassesUnchanged() throws Exception {
        String message = "From: someone@example.org\r\n" + longField("X-Long-Kept:", 80 * 1024, " ")
                + "X-Portcullis-Trusted: yes\r\nSubject: after\r\n\r\nbody\r\n";
        for (String stored : sendBothWays(message)) {
            assertThat(stored).isEqualTo(message.replace("X-Portcullis-Trusted: yes\r\n", ""));
        }
    }

    @Test
    void aFirewalledFieldLargerThanTheHeaderLimitIsRefused() throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            smtp.transaction("someone@example.org", "known@example.test",
                    longField("X-Portcullis-Trusted:", 120 * 1024, " ") + "Subject: x\r\n\r\nbody\r\n", "552 5.3.4");
            smtp.transaction("someone@example.org", "known@example.test", "Subject: next\r\n\r\nbody\r\n", "250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(before + 1);
    }
}
