package io.portcullis.observe;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripted traffic through both listeners, then the exact figures: Prometheus counters by
 * listener, flow, connector and reason, health, the token-protected API and the tracking log.
 */
class ObservabilityTest {
    private static final String TOKEN = "test-token-0123456789";
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(?:\\{([^}]*)})? (\\S+)$");
    @TempDir
    static Path directory;
    private static Gateway gateway;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        String yaml = TestGateway.defaultYaml("").replace("queue-only: true", "queue-only: false")
                + "admin:\n  bind: 127.0.0.1:0\n  token: " + TOKEN + "\n";
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        gateway = Gateway.start(ConfigLoader.load(config), directory.resolve("data"));
        try (SmtpScript smtp = SmtpScript.connect(port("inbound"))) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            for (int i = 0; i < 3; i++) {
                smtp.sendMessage("a@example.org", "b@example.test", "Message-ID: <in" + i + "@example.org>\r\n\r\nx\r\n");
            }
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<someone@example.org>").expect("554 5.7.1");
            smtp.send("BOGUS").expect("500 5.5.1");
        }
        try (SmtpScript smtp = SmtpScript.connect(port("outbound"))) {
            smtp.expect("220").send("EHLO exchange.internal").expect("250 ");
            smtp.sendMessage("c@example.test", "x@example.org", "Subject: one\r\n\r\nx\r\n");
            smtp.send("MAIL FROM:<c@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<y@example.org>").expect("250 2.1.5");
            smtp.send("RCPT TO:<z@example.net>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: two\r\n\r\nx\r\n.\r\n").expect("250 2.0.0 OK queued as");
        }
        Eventually.await(Duration.ofSeconds(10), "an empty queue", () -> gateway.spool().queuedIds().isEmpty());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static int port(String listener) {
        return gateway.listener(listener).boundAddresses().getFirst().getPort();
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.adminAddress().getPort() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** "name{a="1",b="2"}" to its value; labels as the registry prints them (sorted). */
    private static Map<String, Double> metrics() throws Exception {
        Map<String, Double> samples = new HashMap<>();
        for (String line : io.portcullis.testing.TestGateway.withoutNodeLabel(get("/metrics", null).body()).split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                samples.put(m.group(1) + (m.group(2) == null ? "" : "{" + m.group(2) + "}"), Double.parseDouble(m.group(3)));
            }
        }
        return samples;
    }

    @Test
    void countersShowInboundAndOutboundExactly() throws Exception {
        Map<String, Double> metrics = metrics();
        assertThat(metrics).containsEntry("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\"}", 3.0)
                .containsEntry("portcullis_messages_received_total{flow=\"outbound\",listener=\"outbound\"}", 2.0)
                .containsEntry("portcullis_recipients_received_total{flow=\"inbound\",listener=\"inbound\"}", 3.0)
                .containsEntry("portcullis_recipients_received_total{flow=\"outbound\",listener=\"outbound\"}", 3.0)
                .containsEntry("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"relay\"}", 1.0)
                .containsEntry("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"protocol\"}", 1.0)
                .containsEntry("portcullis_delivered_total{connector=\"internal\",flow=\"inbound\"}", 3.0)
                .containsEntry("portcullis_delivered_total{connector=\"internet\",flow=\"outbound\"}", 3.0)
                .containsEntry("portcullis_connections_total{flow=\"inbound\",listener=\"inbound\"}", 1.0)
                .containsEntry("portcullis_connections_total{flow=\"outbound\",listener=\"outbound\"}", 1.0)
                .containsEntry("portcullis_queue_messages{flow=\"inbound\"}", 0.0)
                .containsEntry("portcullis_queue_messages{flow=\"local\"}", 0.0);
        assertThat(metrics).containsKey("portcullis_delivery_latency_seconds_count{connector=\"internal\",flow=\"inbound\"}");
        assertThat(metrics).doesNotContainKey("portcullis_messages_received_total{flow=\"local\",listener=\"local\"}");
    }

    @Test
    void countersAreAlsoPublishedOverJmx() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var names = server.queryNames(new javax.management.ObjectName("metrics:*"), null).stream()
                .filter(n -> n.toString().contains("portcullisMessagesReceived") && n.toString().contains("flow.inbound"))
                .toList();
        assertThat(names).isNotEmpty();
        assertThat(((Number) server.getAttribute(names.getFirst(), "Count")).longValue()).isEqualTo(3);
    }

    @Test
    void healthIsOpenOnLoopbackAndTheApiNeedsTheToken() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"ready\":true", "\"inbound\":true", "\"spoolWritable\":true");
        assertThat(get("/api/queue", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/queue", "wrong-token-wrong-token").statusCode()).isEqualTo(401);
        HttpResponse<String> queue = get("/api/queue?flow=inbound", TOKEN);
        assertThat(queue.statusCode()).isEqualTo(200);
        assertThat(queue.body()).isEqualTo("[]");
        assertThat(get("/api/queue/NOSUCHID0000", TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void trackShowsEachMessageFromReceiptToDelivery() throws Exception {
        gateway.telemetry().flushTracking(); // the log is buffered for at most 200 ms
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(Class.forName("io.portcullis.app.Main")
                .getDeclaredConstructor().newInstance());
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("track", "--data-dir", directory.resolve("data").toString(), "--sender", "a@example.org"))
                .isZero();
        String text = out.toString();
        assertThat(text).contains("-- 3 messages, 2 refusals", "<in0@example.org>", "<in2@example.org>");
        assertThat(text.split("RECEIVE", -1)).hasSize(4);
        assertThat(text.split("DELIVER ", -1)).hasSize(4);
        assertThat(text).contains("QUEUE", "via internal", "(relay): 554 5.7.1", "(protocol): 500 5.5.1");
        StringWriter byMessageId = new StringWriter();
        cli.setOut(new PrintWriter(byMessageId));
        cli.execute("track", "--data-dir", directory.resolve("data").toString(), "--message-id", "in1@example.org");
        assertThat(byMessageId.toString()).contains("-- 1 message", "<in1@example.org>").doesNotContain("<in0@");
    }
}
