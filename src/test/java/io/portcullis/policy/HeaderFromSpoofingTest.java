package io.portcullis.policy;

import static io.portcullis.testing.PolicyGateway.ALICE;
import static io.portcullis.testing.PolicyGateway.ALICE_PASSWORD;
import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Header From anti-spoofing and send-as (issue 12, finding 3): one From: and at most one Sender:,
 * each one mailbox in standard syntax, compared in one canonical form (IDNA A-labels after UTS #46
 * mapping), whatever spelling, case, folding, comment, quoting or padding the client tries.
 * Each case is a whole message over SMTP; refused ones leave nothing in the spool.
 */
class HeaderFromSpoofingTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private int queuedBefore;

    @BeforeEach
    void countQueue() {
        queuedBefore = gateway.queued().size();
    }

    private static String unescape(String text) {
        return text.replace("\\r\\n", "\r\n").replace("\\t", "\t").replace("<1000 spaces>", " ".repeat(1000));
    }

    /** MAIL, RCPT (SMTPUTF8, as some cases carry UTF-8) and DATA with the fields, then the reply. */
    private static void send(SmtpScript smtp, String sender, String recipient, String fields, String reply)
            throws IOException {
        smtp.send("MAIL FROM:<" + sender + "> SMTPUTF8").expect("250 2.1.0");
        smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
        smtp.send("DATA").expect("354");
        smtp.sendRaw(unescape(fields) + "\r\nSubject: urgent\r\n\r\nplease wire the money\r\n.\r\n").expect(reply);
    }

    private static SmtpScript inbound() throws IOException {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
        return smtp;
    }

    private static SmtpScript alice() throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"));
        smtp.expect("220").send("EHLO laptop.example.test").expect("250 ");
        smtp.startTls().send("EHLO laptop.example.test").expect("250 ");
        smtp.send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("235");
        return smtp;
    }

    private void assertNothingQueued() {
        assertThat(gateway.queued()).hasSize(queuedBefore);
    }

    private static void assertResponsive() throws IOException {
        try (SmtpScript smtp = inbound()) {
            send(smtp, "someone@example.org", "known@example.test", "From: someone@example.org", "250 2.0.0");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // several From: fields, in any case and order
        "From: someone@example.org\\r\\nFrom: alice@example.test",
        "From: alice@example.test\\r\\nFrom: someone@example.org",
        "From: someone@example.org\\r\\nFROM: alice@example.test",
        "From: someone@example.org\\r\\nfrom:someone@example.org",
        "From: someone@example.org\\r\\nX-Other: y\\r\\nFrom: alice@example.test",
        // padding, obsolete and unusual field-name spellings
        "From:<1000 spaces>alice@example.test",
        "From: \"<1000 spaces>\" <someone@example.org>\\r\\nX-Y: alice@example.test",
        "From : alice@example.test",
        "From\\t: alice@example.test",
        "From :someone@example.org",
        "FROM: alice@example.test",
        "from: alice@example.test",
        "fRoM: Alice <alice@example.test>",
        // folding, encoded-words, comments and quoted strings around our address
        "From:\\r\\n alice@example.test",
        "From: The\\r\\n\\tBoss\\r\\n <alice@example.test>",
        "From: =?utf-8?q?someone=40example.org?= <alice@example.test>",
        "From: \"someone@example.org\" <alice@example.test>",
        "From: (someone@example.org) alice@example.test",
        "From: alice@example.test (someone@example.org)",
        "From: alice(c)@(c)example.test",
        "From: alice (x) @ (y) example.test",
        "From: \"alice\"@example.test",
        "From: <\"alice\"@example.test>",
        "From: < alice@example.test >",
        // several mailboxes and groups
        "From: someone@example.org, alice@example.test",
        "From: someone@example.org, other@example.org",
        "From: <someone@example.org>,<alice@example.test>",
        "From: group: alice@example.test;",
        "From: group: someone@example.org;",
        "From: undisclosed-recipients:;",
        // Sender: as well as From:
        "From: someone@example.org\\r\\nSender: alice@example.test",
        "From: someone@example.org\\r\\nSender: someone@example.org\\r\\nSender: other@example.org",
        "From: someone@example.org\\r\\nSender : someone@example.org",
        // what cannot be read as one mailbox
        "From: <>",
        "From: alice",
        "From: @example.test",
        "From: alice@example.test.",
        "From: alice . boss@example.test",
        "From: <@relay.test:alice@example.test>",
        "From: Alice <alice@example.test",
        "From: alice@example.test <someone@example.org>",
        "From: =?utf-8?q?alice=40example.test?=",
        // IDN spellings of our domain, and of the protected sender
        "From: ceo@\uff45xample.test",
        "From: ceo@example\u3002test",
        "From: ceo@example\uff0etest",
        "From: ceo@example\uff61test",
        "From: ceo@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25\uff0e\uff34\uff25\uff33\uff34",
        "From: ceo@EXAMPLE.TEST",
        "From: ceo@example.test\u3002",
        "From: ceo@exa\u00admple.test",
        "From: ceo@exa\u200bmple.test",
        "From: ceo@ex\u200dample.test",
        "From: ceo@\ud83c\udd34xample.test",
        "From: ceo@XN--BCHER-KVA.test\\r\\nSender: ceo@\u00e9xample.test\\r\\nX: y\\r\\nSender: x@example.org",
        "From: ceo@xn--example-.test",
        "From: CEO@HOLDING.TEST",
        "From: ceo@\uff48olding.test",
        "From: \uff43\uff45\uff4f@holding.test",
    })
    void internetMailMayNotCarryOurAddressesInAnySpelling(String fields) throws Exception {
        try (SmtpScript smtp = inbound()) {
            send(smtp, "someone@example.org", "known@example.test", fields, "550 5.7.1");
            send(smtp, "someone@example.org", "known@example.test", "From: someone@example.org", "250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
        assertResponsive();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "From: someone@example.org",
        "From: Some One <someone@example.org>",
        "From: \"One, Some\" <someone@example.org>",
        "From: John Q. Public <someone@example.org>",
        "From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <someone@example.org>",
        "From: someone@example.org (Some One)",
        "From:\\r\\n Some One\\r\\n <someone@example.org>",
        "From: someone@b\u00fccher.example",
        "From: someone@example.org\\r\\nSender: list@lists.example.org",
        "X-No-From: at all",
    })
    void internetMailWithItsOwnSingleFromIsAccepted(String fields) throws Exception {
        try (SmtpScript smtp = inbound()) {
            send(smtp, "someone@example.org", "known@example.test", fields, "250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ceo@\uff45xample.test", "ceo@example\u3002test", "ceo@example\uff0etest",
        "ceo@example\uff61test", "ceo@EXAMPLE.test", "ceo@\ud83c\udd34xample.test", "ceo@exa\u00admple.test",
        "ceo@\uff48olding.test"})
    void internetMailMayNotUseOurDomainsInAnySpellingAsEnvelopeSender(String sender) throws Exception {
        try (SmtpScript smtp = inbound()) {
            smtp.send("MAIL FROM:<" + sender + "> SMTPUTF8").expect("550 5.7.1");
            smtp.send("MAIL FROM:<ceo@ex\u200dample.test> SMTPUTF8").expect("501 5.1.7");
            smtp.send("MAIL FROM:<ceo@xn--zz.test>").expect("501 5.1.7");
        }
        assertNothingQueued();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"known@\uff45xample.test", "known@example\u3002test", "KNOWN@EXAMPLE.TEST",
        "known@ex\uff41mple\uff61test"})
    void recipientsInAnySpellingOfOurDomainAreOurs(String recipient) throws Exception {
        try (SmtpScript smtp = inbound()) {
            smtp.send("MAIL FROM:<someone@example.org> SMTPUTF8").expect("250 2.1.0");
            smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            smtp.send("RCPT TO:<unknown@\uff45xample.test>").expect("550 5.1.1");
            smtp.send("RCPT TO:<someone@\uff45xample.org>").expect("554 5.7.1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "From: alice@example.test\\r\\nFrom: bob@example.test",
        "From: bob@example.test\\r\\nFrom: alice@example.test",
        "From: alice@example.test, bob@example.test",
        "From: alice@example.test\\r\\nSender: bob@example.test",
        "From : bob@example.test",
        "From: group: alice@example.test;",
        "From: alice@example.test (x)\\r\\nFROM: bob@\uff45xample.test",
        "From:<1000 spaces>alice@example.test",
        "From: bob@\uff45xample.test",
    })
    void usersMayNotHideAnotherSenderInTheHeader(String fields) throws Exception {
        try (SmtpScript smtp = alice()) {
            send(smtp, ALICE, "friend@example.org", fields, "553 5.7.1");
            send(smtp, ALICE, "friend@example.org", "From: Alice <alice@example.test>", "250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"From: Alice <alice@example.test>", "From: \"Alice\" <ALICE@Example.Test>",
        "From: alice@\uff45xample.test", "From: alice@example.test\\r\\nSender: alice@example.test"})
    void usersMaySendAsThemselvesInAnySpelling(String fields) throws Exception {
        try (SmtpScript smtp = alice()) {
            send(smtp, ALICE, "friend@example.org", fields, "250 2.0.0");
        }
    }
}
