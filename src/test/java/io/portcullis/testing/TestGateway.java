package io.portcullis.testing;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.listener.Renegotiation;
import io.portcullis.listener.TlsContexts;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real gateway in the test JVM, on ephemeral loopback ports, with its own data directory.
 * Listeners are "inbound" and "outbound" unless the test writes its own YAML. {@link #close()}
 * stops it and deletes the directory.
 */
public final class TestGateway implements AutoCloseable {
    private static Path sharedTls;

    static {
        // As Main does; surefire's argLine sets it too, before any test runs (listener/Renegotiation).
        Renegotiation.refuseClientInitiated();
    }

    private Gateway gateway;
    private final Path dataDirectory;
    private final java.time.Clock clock;

    private TestGateway(Gateway gateway, Path dataDirectory, java.time.Clock clock) {
        this.gateway = gateway;
        this.dataDirectory = dataDirectory;
        this.clock = clock;
    }

    /**
     * Two listeners on 127.0.0.1:0 (inbound with STARTTLS), {@code limits} inserted under the inbound
     * one; routes as in the embedded default. Delivery is queue-only, so tests of the receiving side
     * find every accepted message in the spool.
     */
    public static TestGateway start(String inboundLimits) throws IOException {
        return startYaml(defaultYaml(inboundLimits));
    }

    public static String defaultYaml(String inboundLimits) throws IOException {
        Path tls = sharedTls();
        return """
                hostname: gateway.test
                listeners:
                  - name: inbound
                    flow: inbound
                    bind: 127.0.0.1:0
                    tls:
                      certificate: %s
                      key: %s
                    limits:
                %s
                  - name: outbound
                    bind: 127.0.0.1:0
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    submission-fixups: false
                domains: [example.test]
                connectors:
                  - name: internal
                    type: drop
                    folder: drop/inbound
                  - name: internet
                    type: drop
                    folder: drop/outbound
                routes:
                  - domains: [example.test, "*.example.test"]
                    connector: internal
                  - domains: ["*"]
                    connector: internet
                    flows: [outbound, local]
                delivery:
                  queue-only: true
                """.formatted(tls.resolve("certificate.pem"), tls.resolve("key.pem"),
                inboundLimits.isBlank() ? "      max-errors: 10" : inboundLimits.stripTrailing().indent(6).stripTrailing());
    }

    /**
     * Listeners as in {@link #defaultYaml}, with the given domains, connectors, routes and delivery
     * sections instead of the default ones, and delivery running.
     */
    public static String deliveringYaml(String deliverySections) throws IOException {
        String yaml = defaultYaml("");
        return yaml.substring(0, yaml.indexOf("domains:")) + deliverySections.stripIndent();
    }

    /**
     * {@link #defaultYaml} with a {@code checks:} section and a {@code content:} section (indented
     * as under a listener, e.g. "content:\n  chain: [rules]") for each listener; blank for none.
     */
    public static String contentYaml(String checks, String inboundContent, String outboundContent) throws IOException {
        String yaml = defaultYaml("");
        if (!inboundContent.isBlank()) {
            yaml = yaml.replace("  - name: outbound\n", inboundContent.stripIndent().indent(4) + "  - name: outbound\n");
        }
        if (!outboundContent.isBlank()) {
            yaml = yaml.replace("    relay-networks: [127.0.0.0/8]\n",
                    "    relay-networks: [127.0.0.0/8]\n" + outboundContent.stripIndent().indent(4));
        }
        return yaml + "checks:\n" + checks.stripIndent().indent(2);
    }

    public static TestGateway startYaml(String yaml) throws IOException {
        return startYaml(yaml, java.time.Clock.systemUTC());
    }

    /** As {@link #startYaml(String)}, with the clock policy checks read (a {@link MutableClock}); kept across restarts. */
    public static TestGateway startYaml(String yaml, java.time.Clock clock) throws IOException {
        Path dataDirectory = Files.createTempDirectory("portcullis-test");
        Path configFile = dataDirectory.resolve("test.yaml");
        Files.writeString(configFile, yaml);
        GatewayConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("test config rejected:\n" + e.getMessage(), e);
        }
        return new TestGateway(Gateway.start(config, dataDirectory.resolve("data"), clock), dataDirectory, clock);
    }

    /**
     * Stops the gateway cleanly and starts it again with the same configuration on the same data
     * directory, as an administrator's restart would: recovery runs on what the first one left.
     * Listeners get new ephemeral ports.
     */
    public void restart() throws IOException {
        gateway.close();
        try {
            gateway = Gateway.start(ConfigLoader.load(dataDirectory.resolve("test.yaml")), dataDirectory(), clock);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reloads the running gateway with {@code yaml}, as the control socket's reload does; returns what changed. */
    public List<String> reload(String yaml) throws IOException {
        Path configFile = dataDirectory.resolve("reload.yaml");
        Files.writeString(configFile, yaml);
        try {
            return gateway.reload(ConfigLoader.load(configFile));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("test config rejected:\n" + e.getMessage(), e);
        }
    }

    /** One self-signed certificate for every test gateway in this JVM. */
    public static synchronized Path sharedTls() throws IOException {
        if (sharedTls == null) {
            sharedTls = Files.createTempDirectory("portcullis-test-tls");
            TlsContexts.ensureSelfSigned(sharedTls, "gateway.test");
        }
        return sharedTls;
    }

    /** The gateway's delivery scheduler, for tests that drive the queue. */
    public io.portcullis.delivery.DeliveryScheduler scheduler() {
        return gateway.scheduler();
    }

    /** MTA-STS policies and TLS report counts. */
    public io.portcullis.delivery.tls.MtaStsService mtaSts() {
        return gateway.mtaSts();
    }

    /** Waits until the queue is empty; true when it became empty in time. */
    public boolean awaitEmptyQueue(long timeoutSeconds) throws Exception {
        Eventually.await(java.time.Duration.ofSeconds(timeoutSeconds), "an empty queue (left: " + queued() + ")",
                () -> queued().isEmpty());
        return true;
    }

    /** Polls the journal of {@code id} until a record of {@code type} appears. */
    public java.util.List<io.portcullis.spool.DeliveryRecord> awaitJournal(String id, io.portcullis.spool.DeliveryRecord.Type type,
                                                                        long timeoutSeconds) throws Exception {
        return Eventually.value(java.time.Duration.ofSeconds(timeoutSeconds), "a " + type + " record in the journal of " + id,
                () -> spool().readJournal(id), journal -> journal.stream().anyMatch(r -> r.type() == type));
    }

    /** Every refusal in the tracking log (flushed first), oldest first. */
    public List<io.portcullis.observe.TrackingEvent> trackedRefusals() throws IOException {
        gateway.telemetry().flushTracking();
        java.time.Instant now = java.time.Instant.now();
        return io.portcullis.observe.TrackingSearch.search(dataDirectory().resolve("tracking"),
                new io.portcullis.observe.TrackingSearch.Criteria(null, null, null, null, null, null,
                        now.minus(java.time.Duration.ofHours(1)), now.plusSeconds(1))).refusals();
    }

    /**
     * The Prometheus text of the gateway's counters, without the {@code node} label every series
     * carries (so tests name the labels that matter to them); {@link #rawMetrics()} keeps it.
     */
    public String metrics() {
        return withoutNodeLabel(gateway.telemetry().scrape());
    }

    /** The Prometheus text exactly as scraped. */
    public String rawMetrics() {
        return gateway.telemetry().scrape();
    }

    /** The running gateway (a new one after {@link #restart()}). */
    public Gateway gateway() {
        return gateway;
    }

    /** Prometheus text with the {@code node} label taken out of every series. */
    public static String withoutNodeLabel(String scrape) {
        return scrape.replaceAll("\\{node=\"[^\"]*\"}", "").replaceAll("\\{node=\"[^\"]*\",", "{")
                .replaceAll(",node=\"[^\"]*\"", "");
    }

    public int port(String listener) {
        return gateway.listener(listener).boundAddresses().getFirst().getPort();
    }

    public int activeConnections(String listener) {
        return gateway.listener(listener).activeConnections();
    }

    public int inboundPort() {
        return port("inbound");
    }

    public SmtpScript connect() throws IOException {
        return SmtpScript.connect(inboundPort());
    }

    public Spool spool() {
        return gateway.spool();
    }

    /** The admin server's address, or null when the configuration has no {@code admin.bind}. */
    public java.net.InetSocketAddress adminAddress() {
        return gateway.adminAddress();
    }

    /** The quarantine store: where held messages are committed. */
    public io.portcullis.quarantine.Quarantine quarantine() {
        return gateway.quarantine();
    }

    public Path dataDirectory() {
        return dataDirectory.resolve("data");
    }

    public List<String> queued() {
        try {
            return spool().queuedIds();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Envelope envelope(String id) throws IOException {
        return spool().readEnvelope(id);
    }

    public byte[] message(String id) throws IOException {
        return spool().message(id).readAllBytes();
    }

    /** The stored message without the Received header we prepended (its folded lines included). */
    public String messageWithoutOurReceived(String id) throws IOException {
        String stored = new String(message(id), java.nio.charset.StandardCharsets.UTF_8);
        int end = 0;
        do {
            end = stored.indexOf("\r\n", end) + 2;
        } while (stored.charAt(end) == '\t' || stored.charAt(end) == ' ');
        return stored.substring(end);
    }

    /** Files left anywhere in the spool's incoming directory. */
    public List<Path> incomingFiles() throws IOException {
        try (Stream<Path> files = Files.list(dataDirectory().resolve("spool/incoming"))) {
            return files.toList();
        }
    }

    @Override
    public void close() throws IOException {
        gateway.close();
        try (Stream<Path> walk = Files.walk(dataDirectory)) {
            List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path path : paths) {
                Files.deleteIfExists(path);
            }
        }
    }
}
