package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.ClientCheckDns;
import io.portcullis.testing.ClientCheckGateway;
import io.portcullis.testing.Closing;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Score points are scoped like allow-listings: what the helo check finds is about the client and
 * lasts the session; what the sender-domain check finds at MAIL is about that sender and is
 * forgotten with its transaction. A scoring check counts once per transaction at MAIL, however
 * many transactions the session has. Against dnsmasq ({@link ClientCheckDns}).
 */
class TransactionScoreTest {
    private static final String MESSAGE = "Subject: hi\r\n\r\nhello\r\n";
    private static ClientCheckDns dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = ClientCheckDns.start();
        gateway = ClientCheckGateway.start(dns, """
                - {name: helo-score, type: helo, action: score, weight: 3}
                - {name: sender-domain-score, type: sender-domain, action: score, weight: 3}
                """, """
                - name: inbound
                  bind: 127.0.0.1:0
                  phases: {helo: [helo-score], mail: [sender-domain-score], reject-score: 5}
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    @Test
    void aRefusedSendersPointsDoNotStayWithTheSession() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.port("inbound"))) {
            smtp.expect("220 ");
            smtp.send("EHLO localhost").expect("250 "); // not a FQDN: 3 points for the session
            smtp.send("MAIL FROM:<a@nosuch.test>").expect("554 5.7.1 Service unavailable; refused by policy score");
            smtp.send("RSET").expect("250 ");
            smtp.send("MAIL FROM:<a@mx.test>").expect("250 2.1.0"); // 3: the helo's points only
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
            smtp.send("MAIL FROM:<b@nosuch.test>").expect("554 5.7.1"); // counted again in a new transaction
        }
    }

    @Test
    void theSameCheckScoresOncePerTransactionAndAgainInTheNext() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.port("inbound"))) {
            smtp.expect("220 ");
            smtp.send("EHLO client.example.org").expect("250 ");
            for (int i = 0; i < 3; i++) { // 3 points each time, never 6: below the threshold of 5
                smtp.send("MAIL FROM:<a" + i + "@nosuch.test>").expect("250 2.1.0");
                smtp.send("RSET").expect("250 ");
            }
        }
    }

}
