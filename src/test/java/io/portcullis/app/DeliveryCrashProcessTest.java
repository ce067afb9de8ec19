package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL while a delivery is in flight: after the restart the message is delivered, once. */
class DeliveryCrashProcessTest {
    @TempDir
    Path directory;

    @Test
    void messageInFlightAtSigkillIsDeliveredAfterRestart() throws Exception {
        int sinkPort = SmtpSink.freePort();
        Path config = Files.writeString(directory.resolve("gateway.yaml"), TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                routes:
                  - domains: [example.test]
                    connector: internal
                delivery:
                  retry: [1s]
                """.formatted(sinkPort)));
        Path data = directory.resolve("data");
        String id;
        try (SmtpSink slow = SmtpSink.start(sinkPort, "-v", "-w", "30"); // -v logs each command; -w holds DATA 30 s
             GatewayProcess gateway = GatewayProcess.start(config, data);
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            id = smtp.sendMessage("a@example.org", "b@example.test", "Subject: in flight\r\n\r\nx\r\n");
            assertThat(slow.awaitCommand("DATA", 30)).as("the delivery reached DATA").isTrue();
            gateway.kill(); // waiting for the sink's answer to DATA: the delivery is in flight
            assertThat(data.resolve("spool/queue/" + id + ".msg")).exists();
        }
        try (SmtpSink sink = SmtpSink.start(sinkPort); GatewayProcess restarted = GatewayProcess.start(config, data)) {
            assertThat(sink.awaitTransactions(1, 20)).hasSize(1).first().asString().contains("Subject: in flight");
            for (int i = 0; i < 100 && Files.exists(data.resolve("spool/queue/" + id + ".msg")); i++) {
                Thread.sleep(50);
            }
            assertThat(data.resolve("spool/queue/" + id + ".msg")).doesNotExist();
            Thread.sleep(1500);
            assertThat(sink.transactions()).hasSize(1);
        }
    }
}
