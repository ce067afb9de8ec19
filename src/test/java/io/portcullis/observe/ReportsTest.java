package io.portcullis.observe;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports from the persistent aggregates: 30 inbound and 20 outbound messages, across a restart. */
class ReportsTest {
    @TempDir
    Path directory;

    private static void send(Gateway gateway, String listener, String from, String to, int count) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.listener(listener).boundAddresses().getFirst().getPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < count; i++) {
                smtp.sendMessage(from, to, "Subject: " + i + "\r\n\r\nx\r\n");
            }
        }
    }

    private String report(String... extra) throws Exception {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(Class.forName("io.portcullis.app.Main").getDeclaredConstructor()
                .newInstance());
        cli.setOut(new PrintWriter(out));
        String[] args = new String[extra.length + 3];
        args[0] = "report";
        args[1] = "--data-dir";
        args[2] = directory.resolve("data").toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void thirtyInboundAndTwentyOutboundSurviveARestart() throws Exception {
        String yaml = TestGateway.defaultYaml("").replace("queue-only: true", "queue-only: false");
        GatewayConfig config = ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), yaml));
        try (Gateway gateway = Gateway.start(config, directory.resolve("data"))) {
            send(gateway, "inbound", "a@example.org", "b@example.test", 15);
            send(gateway, "outbound", "c@example.test", "d@example.org", 10);
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<x@example.org>").expect("554 5.7.1");
            }
            String metrics = io.portcullis.testing.TestGateway.withoutNodeLabel(gateway.telemetry().scrape());
            assertThat(metrics).contains("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\"} 15.0");
        }
        try (Gateway gateway = Gateway.start(config, directory.resolve("data"))) {
            send(gateway, "inbound", "a@example.org", "b@example.test", 15);
            send(gateway, "outbound", "c@example.test", "d@example.org", 10);
            Eventually.await(Duration.ofSeconds(10), "an empty queue", () -> gateway.spool().queuedIds().isEmpty());
        }
        JsonNode json = new ObjectMapper().readTree(report("--by", "day", "--format", "json"));
        JsonNode inbound = null;
        JsonNode outbound = null;
        for (JsonNode flow : json.path("flows")) {
            if (flow.path("flow").asText().equals("inbound")) {
                inbound = flow;
            } else if (flow.path("flow").asText().equals("outbound")) {
                outbound = flow;
            }
        }
        assertThat(inbound).isNotNull();
        assertThat(outbound).isNotNull();
        assertThat(inbound.path("messages").asLong()).isEqualTo(30);
        assertThat(outbound.path("messages").asLong()).isEqualTo(20);
        assertThat(inbound.path("rejectsByReason").path("relay").asLong()).isEqualTo(1);
        assertThat(inbound.path("bounceRate").asDouble()).isZero();
        assertThat(inbound.path("peakHourMessages").asLong()).isPositive();
        String table = report("--by", "hour");
        assertThat(table).contains("inbound: 30 messages, 30 recipients", "outbound: 20 messages, 20 recipients",
                "1 rejects (relay=1)");
        assertThat(report("--format", "csv")).startsWith("period,flow,messages,recipients,bytes,rejects");
    }
}
