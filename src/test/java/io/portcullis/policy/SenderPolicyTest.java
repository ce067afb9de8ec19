package io.portcullis.policy;

import static io.portcullis.testing.SmtpScript.plain;
import static io.portcullis.testing.PolicyGateway.ALICE;
import static io.portcullis.testing.PolicyGateway.ALICE_PASSWORD;
import static io.portcullis.testing.PolicyGateway.BOB;
import static io.portcullis.testing.PolicyGateway.BOB_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Anti-spoofing inbound, send-as outbound and for internal servers, the header firewall, connection access. */
class SenderPolicyTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private static SmtpScript inbound() throws IOException {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
        return smtp;
    }

    private static SmtpScript authenticated(String user, String password) throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"));
        smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
        smtp.startTls().send("EHLO internal.example.test").expect("250 ");
        smtp.send("AUTH PLAIN " + plain("", user, password)).expect("235");
        return smtp;
    }

    @ParameterizedTest
    @ValueSource(strings = {"<alice@example.test>", "<ALICE@Example.TEST>", "<nobody@example.test>", "<ceo@holding.test>",
        "<@relay.test:alice@example.test>", "<\"alice\"@example.test>"})
    void internetMayNotUseOurAddressesAsEnvelopeSender(String sender) throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = inbound()) {
            smtp.send("MAIL FROM:" + sender).expect("550 5.7.1");
            smtp.send("MAIL FROM:<>").expect("250 2.1.0");
        }
        assertThat(gateway.queued()).hasSize(before);
    }

    @Test
    void internetMayNotUseOurAddressesInHeaderFrom() throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = inbound()) {
            smtp.send("MAIL FROM:<ceo@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<known@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("From: \"The Boss\" <alice@example.test>\r\nSubject: wire money\r\n\r\nx\r\n.\r\n").expect("550 5.7.1");
            smtp.send("MAIL FROM:<ceo@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<known@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <x@example.org>,\r\n ceo@holding.test\r\nSubject: x\r\n\r\nx\r\n.\r\n")
                    .expect("550 5.7.1");
        }
        assertThat(gateway.queued()).hasSize(before);
    }

    @Test
    void headerFirewallStripsInternalTrustHeadersFromInternetMail() throws Exception {
        try (SmtpScript smtp = inbound()) {
            String id = smtp.sendMessage("someone@example.org", "known@example.test",
                    "From: someone@example.org\r\nX-Portcullis-Spam-Score: -100\r\n\tfolded continuation\r\n"
                            + "X-Internal-Trust: yes\r\nx-portcullis-verdict: clean\r\nX-Mailer: kept\r\nSubject: hi\r\n\r\n"
                            + "X-Portcullis-In-Body: stays\r\n");
            String stored = gateway.messageWithoutOurReceived(id);
            assertThat(stored).isEqualTo("From: someone@example.org\r\nX-Mailer: kept\r\nSubject: hi\r\n\r\n"
                    + "X-Portcullis-In-Body: stays\r\n");
            assertThat(gateway.envelope(id).size()).isEqualTo(gateway.message(id).length);
        }
    }

    @Test
    void usersSendOnlyAsTheirOwnAddresses() throws Exception {
        try (SmtpScript smtp = authenticated(ALICE, ALICE_PASSWORD)) {
            smtp.send("MAIL FROM:<bob@example.test>").expect("553 5.7.1");
            smtp.send("MAIL FROM:<alice@example.org>").expect("553 5.7.1");
            smtp.send("MAIL FROM:<Alice@Example.Test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<friend@example.org>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("From: bob@example.test\r\nSubject: x\r\n\r\nx\r\n.\r\n").expect("553 5.7.1");
            String id = smtp.sendMessage(ALICE, "friend@example.org",
                    "Received: from laptop.internal (10.1.2.3)\r\n\tby exchange.internal; Sat, 28 Nov 2026 01:00:00 +0000\r\n"
                            + "From: Alice <alice@example.test>\r\nSubject: ok\r\n\r\nbody\r\n");
            String stored = new String(gateway.message(id), StandardCharsets.UTF_8);
            assertThat(stored).startsWith("Received: from internal.example.test").doesNotContain("10.1.2.3", "exchange.internal")
                    .contains("From: Alice <alice@example.test>");
        }
        try (SmtpScript smtp = authenticated(BOB, BOB_PASSWORD)) {
            smtp.send("MAIL FROM:<anyone@sales.example.test>").expect("250 2.1.0");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("MAIL FROM:<bob@example.test>").expect("553 5.7.1");
        }
    }

    @Test
    void allowListedInternalServersSendAsAnyOfOurAddressesAndNothingElse() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("internal"))) {
            smtp.expect("220").send("EHLO exchange.internal").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("553 5.7.1");
            String id = smtp.sendMessage("anyone@example.test", "partner@example.org", "From: anyone@example.test\r\n\r\nx\r\n");
            assertThat(gateway.envelope(id).flow()).isEqualTo("outbound");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"guarded", "blocked"})
    void clientsOutsideTheAccessListsAreRefusedAtConnect(String listener) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port(listener))) {
            smtp.expect("554 5.7.1");
            smtp.expectClosed();
        }
    }
}
