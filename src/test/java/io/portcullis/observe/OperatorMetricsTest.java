package io.portcullis.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What an operator's Prometheus sees: every series the configuration makes known is there from
 * start (at zero) and after a reload, the JVM and process metrics and {@code portcullis_build_info}
 * are exported, and the shipped Grafana dashboard and alert rules name only metrics a real gateway
 * exports (scraped from {@code /metrics} after traffic in, out through smtp-sink, and refused);
 * the alert rules pass {@code promtool check rules} and their unit tests.
 */
class OperatorMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(?:\\{([^}]*)})? (\\S+)$");
    private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:portcullis|jvm|process|system)_[a-z0-9_]+\\b");
    private static final Path DASHBOARD = Path.of("packaging/grafana/portcullis.json");
    private static final Path ALERTS = Path.of("packaging/prometheus/portcullis-alerts.yml");
    private static final Path ALERT_TESTS = Path.of("packaging/prometheus/portcullis-alerts.test.yml");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    private Gateway start(String yaml) throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        return Gateway.start(ConfigLoader.load(config), directory.resolve("data"));
    }

    private static String yaml(int sinkPort, String extraListener) throws Exception {
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                admin:
                  bind: 127.0.0.1:0
                  token: operator-metrics-token-1
                """.formatted(sinkPort));
        return yaml.replace("domains: [example.test]\n", extraListener + "domains: [example.test]\n");
    }

    /** Scrapes /metrics over HTTP (open on loopback): "name{labels}" to its value. */
    private static Map<String, Double> scrape(Gateway gateway) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.adminAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new TreeMap<>();
        for (String line : io.portcullis.testing.TestGateway.withoutNodeLabel(response.body()).split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                samples.put(m.group(1) + (m.group(2) == null ? "" : "{" + m.group(2) + "}"), Double.parseDouble(m.group(3)));
            }
        }
        return samples;
    }

    private static TreeSet<String> names(Map<String, Double> samples) {
        TreeSet<String> names = new TreeSet<>();
        samples.keySet().forEach(key -> names.add(key.replaceAll("\\{.*", "")));
        return names;
    }

    @Test
    void everyKnownSeriesIsThereAtZeroBeforeTheFirstEvent() throws Exception {
        try (Gateway gateway = start(yaml(SmtpSink.freePort(), ""))) {
            Map<String, Double> metrics = scrape(gateway);
            assertThat(metrics)
                    .containsEntry("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_messages_received_total{flow=\"outbound\",listener=\"outbound\"}", 0.0)
                    .containsEntry("portcullis_recipients_received_total{flow=\"inbound\",listener=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_connections_total{flow=\"outbound\",listener=\"outbound\"}", 0.0)
                    .containsEntry("portcullis_connections_active{flow=\"inbound\",listener=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"protocol\"}", 0.0)
                    .containsEntry("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"relay\"}", 0.0)
                    .containsEntry("portcullis_rejects_total{flow=\"outbound\",listener=\"outbound\",reason=\"size\"}", 0.0)
                    .containsEntry("portcullis_auth_total{flow=\"outbound\",listener=\"outbound\",result=\"failure\"}", 0.0)
                    .containsEntry("portcullis_tls_sessions_total{flow=\"inbound\",listener=\"inbound\",resumed=\"false\"}", 0.0)
                    .containsEntry("portcullis_received_bytes_count{flow=\"inbound\",listener=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_delivered_total{connector=\"internal\",flow=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_deferred_total{connector=\"internet\",flow=\"outbound\"}", 0.0)
                    .containsEntry("portcullis_bounced_total{connector=\"internet\",flow=\"local\"}", 0.0)
                    .containsEntry("portcullis_expired_total{connector=\"internal\",flow=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_delivery_attempts_total{connector=\"internet\",flow=\"outbound\"}", 0.0)
                    .containsEntry("portcullis_delivery_latency_seconds_count{connector=\"internal\",flow=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_delivery_tls_total{connector=\"internet\",flow=\"outbound\",verified=\"none\"}", 0.0)
                    .containsEntry("portcullis_delivery_tls_total{connector=\"internet\",flow=\"outbound\",verified=\"dane\"}", 0.0)
                    .containsEntry("portcullis_queue_messages{flow=\"outbound\"}", 0.0)
                    .containsEntry("portcullis_queue_oldest_age_seconds{flow=\"inbound\"}", 0.0)
                    .containsEntry("portcullis_build_info{java=\"" + Runtime.version() + "\",version=\"development\"}", 1.0);
            // routes decide the label sets: internal takes every flow, internet only outbound and local;
            // a drop folder has no TLS
            assertThat(metrics).doesNotContainKey("portcullis_delivered_total{connector=\"internet\",flow=\"inbound\"}")
                    .containsKey("portcullis_delivered_total{connector=\"internal\",flow=\"outbound\"}");
            assertThat(metrics.keySet()).noneMatch(key -> key.startsWith("portcullis_delivery_tls_total{connector=\"internal\""));
            assertThat(metrics.get("portcullis_spool_free_bytes")).isPositive();
            assertThat(metrics.get("portcullis_spool_min_free_bytes")).isEqualTo(gateway.spool().minFreeBytes());
            assertThat(names(metrics)).contains("jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes", "jvm_gc_max_data_size_bytes", "process_cpu_usage", "system_cpu_count",
                    "process_files_open_files", "process_files_max_files", "process_uptime_seconds",
                    "process_start_time_seconds");
        }
    }

    @Test
    void aReloadDeclaresTheSeriesOfWhatItAdds() throws Exception {
        int sink = SmtpSink.freePort();
        try (Gateway gateway = start(yaml(sink, ""))) {
            assertThat(scrape(gateway)).doesNotContainKey(
                    "portcullis_messages_received_total{flow=\"partners\",listener=\"partners\"}");
            Path next = Files.writeString(directory.resolve("next.yaml"), yaml(sink, """
                      - name: partners
                        flow: partners
                        bind: 127.0.0.1:0
                    """));
            gateway.reload(ConfigLoader.load(next));
            assertThat(scrape(gateway))
                    .containsEntry("portcullis_messages_received_total{flow=\"partners\",listener=\"partners\"}", 0.0)
                    .containsEntry("portcullis_rejects_total{flow=\"partners\",listener=\"partners\",reason=\"relay\"}", 0.0)
                    .containsEntry("portcullis_queue_messages{flow=\"partners\"}", 0.0)
                    .containsEntry("portcullis_delivered_total{connector=\"internal\",flow=\"partners\"}", 0.0);
        }
    }

    @Test
    void aGaugeRegisteredAgainReadsTheNewSource() throws Exception {
        try (Telemetry telemetry = Telemetry.none()) {
            AtomicLong old = new AtomicLong(7);
            AtomicLong fresh = new AtomicLong(42);
            telemetry.gauge("portcullis.test.open", "test", List.of("connector", "x"), old, AtomicLong::get);
            telemetry.gauge("portcullis.test.open", "test", List.of("connector", "x"), fresh, AtomicLong::get);
            assertThat(telemetry.scrape()).contains("portcullis_test_open{connector=\"x\"} 42.0")
                    .doesNotContain("portcullis_test_open{connector=\"x\"} 7.0");
        }
    }

    @Test
    void theDashboardAndTheAlertsNameOnlyMetricsTheGatewayExports() throws Exception {
        String smtpSink = ExternalProgram.require("smtp-sink", "postfix");
        assertThat(smtpSink).isNotEmpty();
        try (SmtpSink sink = SmtpSink.start(0); Gateway gateway = start(withContentCheck(yaml(sink.port(), "")))) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: in\r\n\r\nx\r\n");
                smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<someone@example.org>").expect("554 5.7.1");
                smtp.send("BOGUS").expect("500 5.5.1");
            }
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("outbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO exchange.internal").expect("250 ");
                smtp.sendMessage("c@example.test", "x@example.org", "Subject: out\r\n\r\nx\r\n");
            }
            System.gc(); // jvm_gc_pause_seconds appears at the first collection
            Eventually.await(Duration.ofSeconds(30), "a GC pause recorded",
                    () -> names(scrape(gateway)).contains("jvm_gc_pause_seconds_sum"));
            sink.awaitTransactions(1, 60);
            Eventually.await(Duration.ofSeconds(30), "an empty queue", () -> gateway.spool().queuedIds().isEmpty());
            Map<String, Double> metrics = scrape(gateway);
            assertThat(metrics)
                    .containsEntry("portcullis_delivery_tls_total{connector=\"internet\",flow=\"outbound\",verified=\"none\"}", 1.0)
                    .containsEntry("portcullis_delivered_total{connector=\"internet\",flow=\"outbound\"}", 1.0)
                    .containsEntry("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"protocol\"}", 1.0);
            TreeSet<String> exported = names(metrics);

            List<String> expressions = new ArrayList<>();
            JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
            assertThat(dashboard.path("title").asText()).isEqualTo("Portcullis");
            for (JsonNode panel : dashboard.path("panels")) {
                if (!panel.path("type").asText().equals("row")) {
                    assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
                }
                panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> rules = (Map<String, Object>) new Load(LoadSettings.builder().build())
                    .loadFromString(Files.readString(ALERTS));
            for (Object group : (List<?>) rules.get("groups")) {
                for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                    expressions.add(String.valueOf(((Map<?, ?>) rule).get("expr")));
                }
            }
            TreeSet<String> named = new TreeSet<>();
            for (String expression : expressions) {
                assertThat(expression).isNotBlank();
                Matcher m = METRIC_NAME.matcher(expression);
                while (m.find()) {
                    named.add(m.group());
                }
            }
            // the dashboard shows every kind of figure the brief asks for
            assertThat(named).contains("portcullis_messages_received_total", "portcullis_rejects_total",
                    "portcullis_policy_verdicts_total", "portcullis_queue_messages", "portcullis_delivery_latency_seconds_bucket",
                    "portcullis_delivered_total", "portcullis_delivery_tls_total", "portcullis_spool_free_bytes",
                    "portcullis_tls_certificate_expiry_seconds", "jvm_memory_used_bytes");
            assertThat(exported).as("metrics a scrape after traffic exports").containsAll(named);
        }
    }

    /** The inbound listener runs a header rule, so the content check counters exist. */
    private static String withContentCheck(String yaml) {
        return yaml.replace("  - name: outbound\n", "    content:\n      chain: [rules]\n  - name: outbound\n")
                + "checks:\n  - name: rules\n    type: rules\n    header-checks:\n      - pattern: \"^Subject: refuse me\"\n";
    }

    @Test
    void theAlertRulesPassPromtool() throws Exception {
        String promtool = ExternalProgram.require("promtool", "prometheus");
        ExternalProgram.Result check = ExternalProgram.run(Duration.ofSeconds(60), promtool, "check", "rules",
                ALERTS.toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 10 rules found");
        ExternalProgram.Result unit = ExternalProgram.run(Duration.ofSeconds(60), promtool, "test", "rules",
                ALERT_TESTS.toString());
        assertThat(unit.exitCode()).as(unit.output()).isZero();
        assertThat(unit.output()).contains("SUCCESS");
    }
}
