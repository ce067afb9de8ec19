package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One message, three recipients, three outcomes at the next hop: accepted, refused for good, and
 * refused for now. The next hop is a second Portcullis (inbound listener allowing one recipient
 * per message and only its own domain), because smtp-sink answers every RCPT alike.
 */
class MixedResultsTest {

    @Test
    void oneDeliveredOneBouncedOneDeferred() throws Exception {
        try (TestGateway nextHop = TestGateway.start("max-recipients: 1\n");
             TestGateway gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                     domains: [example.org]
                     connectors:
                       - name: internal
                         type: smarthost
                         hosts: ["127.0.0.1:%d"]
                         tls: opportunistic
                       - name: bounces
                         type: drop
                         folder: drop/bounces
                     routes:
                       - domains: ["*"]
                         connector: internal
                         flows: [outbound]
                       - domains: ["*"]
                         connector: bounces
                         flows: [local]
                     delivery:
                       retry: [1h]
                     """.formatted(nextHop.inboundPort())))) {
            String id;
            try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
                smtp.expect("220").send("EHLO internal.example.org").expect("250 ");
                smtp.send("MAIL FROM:<sender@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<bad@elsewhere.test>").expect("250 2.1.5");
                smtp.send("RCPT TO:<ok@example.test>").expect("250 2.1.5");
                smtp.send("RCPT TO:<later@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw("Subject: three fates\r\n\r\nx\r\n.\r\n").expect("250 2.0.0 OK queued as");
                id = smtp.queueId();
            }
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.SCHEDULED, 15);
            assertThat(journal).anySatisfy(r -> {
                assertThat(r.type()).isEqualTo(DeliveryRecord.Type.DELIVERED);
                assertThat(r.recipient()).isEqualTo("ok@example.test");
            }).anySatisfy(r -> {
                assertThat(r.type()).isEqualTo(DeliveryRecord.Type.BOUNCED);
                assertThat(r.recipient()).isEqualTo("bad@elsewhere.test");
                assertThat(r.reply()).startsWith("554 5.7.1");
            }).anySatisfy(r -> {
                assertThat(r.type()).isEqualTo(DeliveryRecord.Type.DEFERRED);
                assertThat(r.recipient()).isEqualTo("later@example.test");
                assertThat(r.reply()).startsWith("452 4.5.3");
            });
            var entry = new QueueService(gateway.scheduler()).list(e -> e.id().equals(id)).getFirst();
            assertThat(entry.recipients()).containsExactly("later@example.test");
            assertThat(entry.lastError()).startsWith("452 4.5.3");
            String dsn = SmtpSinkDeliveryTest.awaitBounce(gateway);
            assertThat(dsn).contains("Final-Recipient: rfc822; bad@elsewhere.test").doesNotContain("ok@example.test>:");
            assertThat(nextHop.queued()).hasSize(1);
            assertThat(nextHop.envelope(nextHop.queued().getFirst()).client().tlsProtocol()).startsWith("TLSv1.");
        }
    }
}
