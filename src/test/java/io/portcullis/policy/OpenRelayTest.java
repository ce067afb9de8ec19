package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The open-relay suite: every classic address trick, on the inbound listener (with and without an
 * AUTH attempt) and on the outbound listener without authentication. All refused with the exact
 * reply; each transaction is then completed with DATA, so the spool shows what the refusal meant:
 * a message queued for the one accepted recipient only, or nothing at all.
 */
class OpenRelayTest {
    private static TestGateway gateway;
    private List<String> queuedBefore;
    private final List<String> expectedRecipients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @BeforeEach
    void count() {
        queuedBefore = gateway.queued();
    }

    /** Exactly the messages the test completed were queued, each for its accepted recipient only. */
    @AfterEach
    void onlyAcceptedRecipientsQueued() throws IOException {
        List<String> added = new ArrayList<>(gateway.queued());
        added.removeAll(queuedBefore);
        List<String> recipients = new ArrayList<>();
        for (String id : added) {
            gateway.envelope(id).recipients().forEach(r -> recipients.add(r.address()));
        }
        assertThat(recipients).containsExactlyInAnyOrderElementsOf(expectedRecipients);
    }

    /** Completes the open transaction; the reply says whether anything was queued. */
    private static void data(SmtpScript smtp, String reply) throws IOException {
        smtp.send("DATA").expect(reply);
        if (reply.startsWith("354")) {
            smtp.send("From: <attacker@example.org>").send("Subject: relay test").send("").send("body").send(".")
                    .expect("250 2.0.0");
        }
    }

    private static SmtpScript inbound(boolean tryAuth) throws IOException {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO attacker.example").expect("250 ");
        if (tryAuth) {
            smtp.send("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABjb3JyZWN0IGhvcnNl").expect("503 5.5.1");
        }
        smtp.send("MAIL FROM:<attacker@example.org>").expect("250 2.1.0");
        return smtp;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "<victim@example.org>                          | 554 5.7.1",
        "<victim@EXAMPLE.ORG>                          | 554 5.7.1",
        "<victim@example.test.example.org>             | 554 5.7.1",
        "<victim@sub.example.test>                     | 554 5.7.1",
        "<victim@[127.0.0.1]>                          | 554 5.7.1",
        "<victim@[IPv6:::1]>                           | 554 5.7.1",
        "<@example.test:victim@example.org>            | 554 5.7.1",
        "<@example.test,@relay.test:victim@example.org> | 554 5.7.1",
        "<victim%example.org@example.test>             | 550 5.7.1",
        "<example.org!victim@example.test>             | 550 5.7.1",
        "<\"victim@example.org\"@example.test>         | 550 5.7.1",
        "<\"victim%example.org\"@example.test>         | 550 5.7.1",
        "<victim@example.org@example.test>             | 501 5.1.3",
        "<victim@example.org.>                         | 501 5.1.3",
        "<victim@example.test.>                        | 501 5.1.3",
        "<victim@example.org >                         | 501 5.1.3",
        "victim@example.org                            | 501 5.1.3"})
    void inboundRefusesEveryRelayTrick(String recipient, String reply) throws Exception {
        for (boolean tryAuth : new boolean[] {false, true}) {
            try (SmtpScript smtp = inbound(tryAuth)) {
                smtp.send("RCPT TO:" + recipient.strip()).expect(reply.strip());
                data(smtp, "503 5.5.1");
                smtp.send("RCPT TO:" + recipient.strip()).expect(reply.strip());
                smtp.send("RCPT TO:<known@example.test>").expect("250 2.1.5");
                data(smtp, "354");
                expectedRecipients.add("known@example.test");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"<known@example.test>", "<KNOWN@Example.Test>", "<postmaster>", "<postmaster@example.test>"})
    void inboundAcceptsOurOwnDomain(String recipient) throws Exception {
        try (SmtpScript smtp = inbound(false)) {
            smtp.send("RCPT TO:" + recipient).expect("250 2.1.5");
            data(smtp, "354");
        }
        expectedRecipients.add(recipient.equals("<postmaster>") ? "postmaster" : recipient.substring(1, recipient.length() - 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"<victim@example.org>", "<known@example.test>", "<victim%example.org@example.test>"})
    void outboundRefusesEverythingWithoutAuthentication(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@example.test>").expect("530 5.7.0 Authentication required");
            smtp.send("RCPT TO:" + recipient).expect("503 5.5.1");
            smtp.send("DATA").expect("503 5.5.1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"<victim@example.org>", "<victim@[127.0.0.1]>", "<@example.test:victim@example.org>"})
    void unauthenticatedSubmissionMayNotRelay(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("submission"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:" + recipient).expect("554 5.7.1 Relay access denied");
            data(smtp, "503 5.5.1");
        }
    }
}
