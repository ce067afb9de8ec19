package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.StallingNextHop;
import io.portcullis.testing.StallingNextHop.Stall;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A next hop that stops answering at any step (silent, trickling a reply a byte or a line at a
 * time, or no longer reading what we send) holds a delivery slot only until the connector's
 * timeout for that step (here 2 s). Then the attempt is a temporary failure
 * ({@code 451 4.4.2} naming the step), the slot is free for other mail (with
 * {@code max-deliveries: 1}, a message to another destination is delivered meanwhile), and the
 * stalled message is retried. The healthy next hop is Postfix's smtp-sink.
 */
class NextHopDeadlineTest {

    private static TestGateway gateway(StallingNextHop stalled, SmtpSink healthy, String tls) throws Exception {
        return TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: stalled
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: %s
                    timeouts: {connect: 2s, greeting: 2s, command: 2s, data-block: 2s, final: 2s}
                  - name: healthy
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                routes:
                  - domains: [stalled.test]
                    connector: stalled
                  - domains: [healthy.test]
                    connector: healthy
                delivery:
                  retry: [1s]
                  max-deliveries: 1
                """.formatted(stalled.port(), tls, healthy.port())));
    }

    private static String send(TestGateway gateway, String recipient, int bodyKilobytes) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            StringBuilder body = new StringBuilder("Subject: deadline\r\n\r\n");
            String line = "x".repeat(1022) + "\r\n";
            for (int i = 0; i < bodyKilobytes; i++) {
                body.append(line);
            }
            return smtp.sendMessage("sender@example.test", recipient, body.toString());
        }
    }

    @ParameterizedTest(name = "{0} ({1} KB)")
    @CsvSource(delimiter = '|', textBlock = """
            NO_GREETING         | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the greeting
            TRICKLED_GREETING   | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the greeting
            AFTER_GREETING      | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the reply to EHLO
            AFTER_MAIL          | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the reply to MAIL FROM
            TRICKLED_MAIL_REPLY | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the reply to MAIL FROM
            AFTER_DATA_354      | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the reply after the message
            AFTER_DATA_354      | 12288 | none     | 451 4.4.2 | timed out after 2s sending the message
            AFTER_FINAL_DOT     | 1     | none     | 451 4.4.2 | timed out after 2s waiting for the reply after the message
            TLS_HANDSHAKE       | 1     | required | 451 4.7.5 | timed out after 2s in the TLS handshake
            """)
    void aStalledNextHopFreesTheSlotAndTheMessageIsRetried(Stall stall, int kilobytes, String tls, String code, String step)
            throws Exception {
        try (SmtpSink healthy = SmtpSink.start(0); StallingNextHop stalled = StallingNextHop.start(stall);
             TestGateway gateway = gateway(stalled, healthy, tls)) {
            String stuck = send(gateway, "user@stalled.test", kilobytes);
            assertThat(stalled.awaitConnections(1, 30)).as("first attempt reached the stalling next hop").isTrue();

            // The only delivery slot is taken by the stalled attempt; this message gets it when the deadline frees it.
            String other = send(gateway, "user@healthy.test", 1);
            assertThat(healthy.awaitTransactions(1, 60)).as("delivered while the other next hop stalls")
                    .anySatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@healthy.test>"));
            assertThat(awaitGone(gateway, other)).as("delivered message left the queue").isTrue();

            List<DeliveryRecord> journal = gateway.awaitJournal(stuck, DeliveryRecord.Type.DEFERRED, 30);
            DeliveryRecord deferred = journal.stream().filter(r -> r.type() == DeliveryRecord.Type.DEFERRED).findFirst().orElseThrow();
            assertThat(deferred.reply()).startsWith(code).contains(step);
            assertThat(stalled.awaitConnections(2, 30)).as("the stalled message is retried").isTrue();
            assertThat(gateway.queued()).as("still queued for the next retry").contains(stuck).doesNotContain(other);

            // The gateway stays responsive on the receiving side throughout.
            try (SmtpScript fresh = SmtpScript.connect(gateway.port("outbound"))) {
                fresh.expect("220").send("EHLO again.example.test").expect("250 ").send("QUIT").expect("221");
            }
        }
    }

    private static boolean awaitGone(TestGateway gateway, String id) throws InterruptedException {
        for (int i = 0; i < 600 && gateway.queued().contains(id); i++) {
            Thread.sleep(50);
        }
        return !gateway.queued().contains(id);
    }
}
