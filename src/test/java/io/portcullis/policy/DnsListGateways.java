package io.portcullis.policy;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSearch;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Gateways for the DNS list tests: the default test YAML with phase checks, phases and a DNS server. */
final class DnsListGateways {
    private DnsListGateways() {
    }

    /**
     * The inbound listener with {@code phases} (as under a listener: "phases:\n  connect: [bl]"),
     * {@code checks} under phase-checks, DNS from 127.0.0.1:{@code dnsPort}; {@code bind} replaces
     * the inbound listener's address.
     */
    static TestGateway start(int dnsPort, String bind, String checks, String phases) throws IOException {
        String yaml = TestGateway.defaultYaml("");
        yaml = yaml.replaceFirst("bind: 127.0.0.1:0\n", "bind: \"" + bind + "\"\n");
        yaml = yaml.replace("  - name: outbound\n", phases.stripIndent().indent(4) + "  - name: outbound\n");
        yaml = yaml.replace("  queue-only: true\n", "  queue-only: true\n  dns-resolver: 127.0.0.1:" + dnsPort + "\n");
        return TestGateway.startYaml(yaml + "phase-checks:\n" + checks.stripIndent().indent(2));
    }

    static TestGateway start(int dnsPort, String checks, String phases) throws IOException {
        return start(dnsPort, "127.0.0.1:0", checks, phases);
    }

    /** One sample of /metrics, "name{labels in the registry's order}"; 0 when absent. */
    static double metric(TestGateway gateway, String sample) {
        for (String line : gateway.metrics().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    /** The refusals in the gateway's tracking log, as `portcullis track` finds them. */
    static List<TrackingEvent> refusals(TestGateway gateway) throws IOException {
        Instant now = Instant.now();
        return TrackingSearch.search(gateway.dataDirectory().resolve("tracking"), new TrackingSearch.Criteria(null, null,
                null, null, null, null, now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS))).refusals();
    }
}
