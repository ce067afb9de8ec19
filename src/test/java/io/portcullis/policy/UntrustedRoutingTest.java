package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 16c: sender-specified routing into our own domains (the percent hack, bang
 * paths, a quoted local part hiding an address, source routes) is refused from untrusted clients
 * with 550 5.7.1, like Postfix's allow_untrusted_routing = no, whatever the spelling; an internal
 * server behind the gateway might still honour it and relay on. Trusted clients (authenticated,
 * or from the relay networks) may use it. The submission listener verifies no recipients, so
 * without the rule these addresses would be accepted there.
 */
class UntrustedRoutingTest {
    private static TestGateway gateway;
    private int queuedBefore;

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
        queuedBefore = gateway.queued().size();
    }

    @AfterEach
    void nothingQueuedAndStillServing() throws IOException {
        assertThat(gateway.queued()).hasSize(queuedBefore);
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<known@example.test>").expect("250 2.1.5");
            smtp.send("RSET").expect("250 2.0.0");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "<known%evil.example@example.test>",
        "<known%evil.example%other.example@example.test>",
        "<%evil.example@example.test>",
        "<known%@example.test>",
        "<KNOWN%EVIL.EXAMPLE@EXAMPLE.TEST>",
        "<known%evil.example@Example.Test>",
        "<evil.example!known@example.test>",
        "<known!@example.test>",
        "<a!b!known@example.test>",
        "<\"known@evil.example\"@example.test>",
        "<\"known%evil.example\"@example.test>",
        "<\"evil.example!known\"@example.test>",
        "<\"known\\@evil.example\"@example.test>",
        "<\"@evil.example:known\"@example.test>",
        "<\"known@\"@example.test>",
        "<@evil.example:known@example.test>",
        "<@evil.example,@other.example:known@example.test>",
        "<@EVIL.EXAMPLE:KNOWN@EXAMPLE.TEST>",
        "<@evil.example:postmaster@example.test>",
        "<postmaster%evil.example@example.test>",
    })
    void untrustedClientsMayNotRouteThroughOurDomains(String recipient) throws Exception {
        for (String listener : new String[] {"submission", "inbound"}) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.port(listener))) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.send("MAIL FROM:<" + (listener.equals("inbound") ? "someone@example.org" : "alice@example.test") + ">")
                        .expect("250 2.1.0");
                smtp.send("RCPT TO:" + recipient).expect("550 5.7.1");
                smtp.send("DATA").expect("503 5.5.1");
                smtp.send("QUIT").expect("221");
            }
        }
    }

    /** The same addresses from the relay networks (the internal listener) or after AUTH are the client's business. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"<known%evil.example@example.test>", "<evil.example!known@example.test>",
        "<\"known@evil.example\"@example.test>", "<@evil.example:known@example.test>"})
    void trustedClientsMayRoute(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("internal"))) {
            smtp.expect("220").send("EHLO app.example.test").expect("250 ");
            smtp.send("MAIL FROM:<app@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:" + recipient).expect("250 2.1.5");
            smtp.send("RSET").expect("250 2.0.0");
        }
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("submission"))) {
            smtp.expect("220").send("EHLO laptop.example.test").expect("250 ");
            smtp.send("AUTH PLAIN " + SmtpScript.plain("", PolicyGateway.ALICE, PolicyGateway.ALICE_PASSWORD))
                    .expect("235 2.7.0");
            smtp.send("MAIL FROM:<alice@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:" + recipient).expect("250 2.1.5");
            smtp.send("RSET").expect("250 2.0.0");
        }
    }

    /** Ordinary local parts with the other atext characters are not routing. */
    @Test
    void ordinaryLocalPartsAreAccepted() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("submission"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@example.test>").expect("250 2.1.0");
            for (String recipient : new String[] {"<a.b+tag@example.test>", "<a#b$c&d'e*f=g?h^i_j`k{l|m}n~o/p@example.test>",
                "<\"a b\"@example.test>", "<postmaster>", "<known@EXAMPLE.TEST>"}) {
                smtp.send("RCPT TO:" + recipient).expect("250 2.1.5");
            }
            smtp.send("RSET").expect("250 2.0.0");
        }
    }
}
