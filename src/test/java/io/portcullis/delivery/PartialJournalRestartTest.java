package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message delivered to one recipient and deferred for another when the gateway stops is
 * rebuilt from its journal at the next start: only the open recipient is delivered, the other
 * does not get a second copy. Two in-process gateways on one data directory, smtp-sinks as the
 * next hops.
 */
class PartialJournalRestartTest {
    @TempDir
    Path directory;

    private Gateway start(int goodPort, int laterPort) throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: good
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                  - name: later
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                routes:
                  - domains: [good.test]
                    connector: good
                  - domains: [later.test]
                    connector: later
                delivery:
                  retry: [1s]
                """.formatted(goodPort, laterPort)));
        return Gateway.start(ConfigLoader.load(config), directory.resolve("data"));
    }

    @Test
    void onlyTheOpenRecipientIsDeliveredAfterARestart() throws Exception {
        int laterPort = SmtpSink.freePort(); // nothing listens there yet
        String id;
        try (SmtpSink good = SmtpSink.start(0)) {
            try (Gateway first = start(good.port(), laterPort)) {
                try (SmtpScript smtp = SmtpScript.connect(first.listener("outbound").boundAddresses().getFirst().getPort())) {
                    smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
                    smtp.send("MAIL FROM:<sender@example.test>").expect("250");
                    smtp.send("RCPT TO:<a@good.test>").expect("250");
                    smtp.send("RCPT TO:<b@later.test>").expect("250");
                    smtp.send("DATA").expect("354");
                    smtp.sendRaw("Subject: half now, half later\r\n\r\nx\r\n.\r\n").expect("250");
                    id = smtp.queueId();
                }
                List<DeliveryRecord> journal = awaitJournal(first, id);
                assertThat(journal).anySatisfy(r -> assertThat(r.type()).isEqualTo(DeliveryRecord.Type.DELIVERED))
                        .anySatisfy(r -> assertThat(r.type()).isEqualTo(DeliveryRecord.Type.DEFERRED));
            }
            assertThat(good.awaitTransactions(1, 10)).singleElement().satisfies(t -> assertThat(t).contains("X-Rcpt-Args: <a@good.test>"));

            try (SmtpSink later = SmtpSink.start(laterPort); Gateway second = start(good.port(), laterPort)) {
                Eventually.await(java.time.Duration.ofSeconds(60), id + " done after the restart",
                        () -> !second.spool().queuedIds().contains(id));
                assertThat(later.awaitTransactions(1, 10)).singleElement().satisfies(t -> assertThat(t)
                        .contains("X-Rcpt-Args: <b@later.test>").doesNotContain("a@good.test"));
                assertThat(good.transactions()).as("no second copy for the delivered recipient").hasSize(1);
            }
        }
    }

    private static List<DeliveryRecord> awaitJournal(Gateway gateway, String id) throws Exception {
        return Eventually.value(java.time.Duration.ofSeconds(30), "a DEFERRED record for " + id,
                () -> gateway.spool().readJournal(id), journal -> journal.stream().anyMatch(r -> r.type() == DeliveryRecord.Type.DEFERRED));
    }
}
