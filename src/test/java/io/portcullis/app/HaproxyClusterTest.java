package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.HaProxy;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * Two nodes ({@code node-id} a and b) behind a real HAProxy running the shipped
 * {@code packaging/haproxy/haproxy.cfg} (its defaults, frontends and backends on loopback ports:
 * PROXY v2, health checks on each node's admin {@code /health}). Clients connect from their own
 * loopback addresses; the queue id in "250 ... queued as ID-NODE" tells which node took a message.
 * The tests run in order: the last one stops node b.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaproxyClusterTest {
    private static final String TOKEN = "cluster-test-token-0123456789";
    private static final Path SHIPPED = Path.of("packaging/haproxy/haproxy.cfg");
    private static int sinkPort;
    private static TestGateway a;
    private static TestGateway b;
    private static HaProxy haproxy;
    private static SmtpSink sink;

    static String nodeYaml(String node, int sinkPort) {
        return """
                hostname: gateway.test
                node-id: %s
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32]
                    access: {deny: [127.0.0.3/32]}
                  - name: outbound
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32]
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    rate-limits: {connections-per-minute-per-ip: 2}
                domains: [example.test]
                connectors:
                  - {name: internal, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                routes:
                  - {domains: ["*"], connector: internal}
                delivery:
                  retry: [1h]
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                """.formatted(node, sinkPort, TOKEN);
    }

    private static HaProxy.Server server(String name, TestGateway node, String listener) {
        return new HaProxy.Server(name, node.port(listener), node.adminAddress().getPort());
    }

    @BeforeAll
    static void start() throws Exception {
        sinkPort = SmtpSink.freePort(); // nothing listens there until the drain: mail stays queued
        a = TestGateway.startYaml(nodeYaml("a", sinkPort));
        b = TestGateway.startYaml(nodeYaml("b", sinkPort));
        haproxy = HaProxy.startDerived(SHIPPED, Map.of(
                        "portcullis-inbound", List.of(server("a", a, "inbound"), server("b", b, "inbound")),
                        "portcullis-submission", List.of(server("a", a, "outbound"), server("b", b, "outbound"))),
                Map.of("CHANGE-ME-ADMIN-TOKEN", TOKEN, "inter 2s", "inter 300ms"));
        Eventually.await(Duration.ofSeconds(20), "both nodes up in HAProxy's health checks",
                () -> haproxy.log().contains("portcullis-inbound/b") || nodesReached(4).size() == 2);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(haproxy, sink, a, b);
    }

    /** One message through the inbound frontend from {@code source}; the node that queued it. */
    private static String sendInbound(String source) throws Exception {
        try (SmtpScript smtp = haproxy.connect("smtp-inbound", source)) {
            smtp.expect("220 ").send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("someone@example.org", "user@example.test", "Subject: through haproxy\r\n\r\nx\r\n");
            smtp.send("QUIT").expect("221");
            return id.substring(id.lastIndexOf('-') + 1);
        }
    }

    private static Set<String> nodesReached(int sessions) throws Exception {
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < sessions; i++) {
            nodes.add(sendInbound("127.0.0.2"));
        }
        return nodes;
    }

    @Test
    @Order(1)
    void sessionsAreSpreadOverBothNodesAndEachSeesTheRealClient() throws Exception {
        assertThat(nodesReached(6)).containsExactlyInAnyOrder("a", "b");
        for (TestGateway node : List.of(a, b)) {
            for (String id : node.queued()) {
                assertThat(node.envelope(id).client().address()).isEqualTo("127.0.0.2");
            }
        }
    }

    @Test
    @Order(2)
    void theAccessListRefusesTheRealClientNotTheBalancer() throws Exception {
        for (int i = 0; i < 4; i++) { // whichever node takes it
            try (SmtpScript refused = haproxy.connect("smtp-inbound", "127.0.0.3")) {
                refused.expect("554 5.7.1");
                refused.expectClosed();
            }
        }
        int queued = a.queued().size() + b.queued().size();
        assertThat(sendInbound("127.0.0.4")).isIn("a", "b");
        assertThat(a.queued().size() + b.queued().size()).isEqualTo(queued + 1);
    }

    @Test
    @Order(3)
    void theConnectionRateLimitCountsTheRealClient() throws Exception {
        // 2 a minute per client and node: within 5 connections from 127.0.0.5 one node refuses
        String refusal = null;
        for (int i = 0; i < 5 && refusal == null; i++) {
            try (SmtpScript smtp = haproxy.connect("smtp-submission", "127.0.0.5")) {
                String reply = smtp.readReply();
                if (reply.startsWith("421")) {
                    refusal = reply;
                } else {
                    assertThat(reply).startsWith("220 ");
                    smtp.send("QUIT").expect("221");
                }
            }
        }
        assertThat(refusal).startsWith("421 4.7.0");
        // another client through the same balancer is served: the limit never counted HAProxy's address
        try (SmtpScript other = haproxy.connect("smtp-submission", "127.0.0.6")) {
            other.expect("220 ").send("EHLO internal.test").expect("250 ");
            String id = other.sendMessage("app@example.test", "someone@example.org", "Subject: out\r\n\r\nx\r\n");
            assertThat(id).matches("[0-9A-Z]{12}-[ab]");
        }
    }

    @Test
    @Order(4)
    void drainingNodeAEmptiesItsQueueWhileNodeBTakesTheTraffic() throws Exception {
        assertThat(a.queued()).as("node a holds deferred mail").isNotEmpty();
        int queuedOnA = a.queued().size();
        sink = SmtpSink.start(sinkPort);
        StringWriter out = new StringWriter();
        CommandLine drain = Main.commandLine();
        drain.setOut(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> drain.execute("drain", "--data-dir",
                a.dataDirectory().toString(), "--timeout", "60s"));
        Eventually.await(Duration.ofSeconds(10), "node a draining", () -> a.gateway().isDraining());
        assertThat(a.gateway().health().ready()).isFalse();
        assertThat(a.gateway().health().draining()).isTrue();
        // every new session lands on b, with no refusal: HAProxy redispatches what a refuses
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            during.add(sendInbound("127.0.0.2"));
        }
        assertThat(during).containsOnly("b");
        assertThat(exit.get(90, java.util.concurrent.TimeUnit.SECONDS)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("draining node a").contains("drained: queue empty");
        assertThat(a.queued()).isEmpty();
        assertThat(sink.awaitTransactions(queuedOnA, 30)).hasSizeGreaterThanOrEqualTo(queuedOnA);
        Eventually.await(Duration.ofSeconds(10), "HAProxy marks a down", () -> haproxy.log().contains("portcullis-inbound/a is DOWN"));

        StringWriter undrained = new StringWriter();
        CommandLine undrain = Main.commandLine();
        undrain.setOut(new PrintWriter(undrained, true));
        assertThat(undrain.execute("undrain", "--data-dir", a.dataDirectory().toString())).isZero();
        assertThat(undrained.toString()).contains("node a accepts again");
        assertThat(a.gateway().health().ready()).isTrue();
        Eventually.await(Duration.ofSeconds(20), "sessions reach node a again", () -> sendInbound("127.0.0.2").equals("a"));
    }

    @Test
    @Order(5)
    void aStoppedNodeIsTakenOutAndMailStillFlows() throws Exception {
        b.gateway().close();
        Eventually.await(Duration.ofSeconds(20), "HAProxy marks b down after failed health checks",
                () -> haproxy.log().contains("portcullis-inbound/b is DOWN"));
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            nodes.add(sendInbound("127.0.0.2"));
        }
        assertThat(nodes).containsOnly("a");
    }
}
