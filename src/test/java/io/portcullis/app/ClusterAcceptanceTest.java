package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.HaProxy;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.PostgresServer;
import io.portcullis.testing.RedisServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 end to end: two nodes ({@code node-id} a and b, each its own data directory) behind ONE
 * real HAProxy running the shipped {@code packaging/haproxy/haproxy.cfg} (PROXY v2, as in
 * {@link HaproxyClusterTest}), sharing ONE real Redis ({@code shared-state:} rate limits and
 * greylisting) and ONE real PostgreSQL ({@code database:} tracking). What each earlier test showed
 * on its own (the balancer, the shared state, the shared database) is checked here together: the
 * shared per-IP limit counts the real client behind HAProxy across both nodes; one node's
 * {@code track} finds what the other received and delivered; a triplet greylisted on one node
 * passes on the other after the delay. Both nodes read one {@link MutableClock} (greylisting's
 * delay passes without waiting); the rate limit runs on Redis's clock.
 *
 * <p>Which node took a session: its EHLO reply names the node's host name (a.gateway.test or
 * b.gateway.test), and a queue id ends in "-NODE".
 */
class ClusterAcceptanceTest {
    private static final String TOKEN = "cluster-acceptance-token-0123456789";
    private static final String STORE = "redis"; // "local": the features are per node (the test fails)
    private static final MutableClock clock = new MutableClock();
    private static RedisServer redis;
    private static PostgresServer postgres;
    private static SmtpSink sink;
    private static TestGateway a;
    private static TestGateway b;
    private static HaProxy haproxy;

    static String nodeYaml(String node) {
        return """
                hostname: %1$s.gateway.test
                node-id: %1$s
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32]
                    limits: {max-errors: 100}
                    phases:
                      rcpt: [greylist]
                  - name: outbound
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32]
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    rate-limits: {messages-per-hour-per-ip: 3}
                phase-checks:
                  - {name: greylist, type: greylist, delay: 5m, window: 4h, expiry: 30d}
                domains: [example.test]
                connectors:
                  - {name: internal, type: smarthost, hosts: ["127.0.0.1:%2$d"], tls: none}
                routes:
                  - {domains: ["*"], connector: internal}
                delivery:
                  retry: [1h]
                admin:
                  bind: 127.0.0.1:0
                  token: %3$s
                shared-state:
                  redis: {address: "%4$s", timeout: 500ms, key-prefix: "cluster-test:"}
                  rate-limits: {store: %5$s, on-failure: closed}
                  greylisting: {store: %5$s, on-failure: closed}
                database:
                  url: %6$s
                  user: %7$s
                  pool-size: 2
                  flush-interval: 100ms
                  retry-interval: 500ms
                """.formatted(node, sink.port(), TOKEN, redis.address(), STORE, postgres.url(), PostgresServer.USER);
    }

    private static HaProxy.Server server(String name, TestGateway node, String listener) {
        return new HaProxy.Server(name, node.port(listener), node.adminAddress().getPort());
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        postgres = PostgresServer.start();
        sink = SmtpSink.start(SmtpSink.freePort());
        a = TestGateway.startYaml(nodeYaml("a"), clock);
        b = TestGateway.startYaml(nodeYaml("b"), clock);
        haproxy = HaProxy.startDerived(java.nio.file.Path.of("packaging/haproxy/haproxy.cfg"), Map.of(
                        "portcullis-inbound", List.of(server("a", a, "inbound"), server("b", b, "inbound")),
                        "portcullis-submission", List.of(server("a", a, "outbound"), server("b", b, "outbound"))),
                Map.of("CHANGE-ME-ADMIN-TOKEN", TOKEN, "inter 2s", "inter 300ms"));
        Eventually.await(Duration.ofSeconds(20), "both nodes up in HAProxy's health checks", () -> {
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                try (SmtpScript smtp = client("smtp-submission", "127.0.0.9")) {
                    nodes.add(node(smtp));
                }
            }
            return nodes.contains("a") && nodes.contains("b");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(haproxy, a, b, sink, postgres, redis);
    }

    /** A client of the frontend from {@code source}, past EHLO. */
    private static SmtpScript client(String frontend, String source) throws Exception {
        SmtpScript smtp = haproxy.connect(frontend, source);
        smtp.expect("220 ").send("EHLO client.test").expect("250");
        return smtp;
    }

    /** The node that answered EHLO: its host name is the first word of the reply. */
    private static String node(SmtpScript smtp) {
        String host = smtp.lastReply().substring(4).split("[ \r\n]")[0];
        assertThat(host).matches("[ab]\\.gateway\\.test");
        return host.substring(0, 1);
    }

    private static TestGateway gateway(String node) {
        return node.equals("a") ? a : b;
    }

    /** One submission from {@code source}: "NODE 250..." when queued, "NODE REPLY" when MAIL was refused. */
    private static String submit(String source, String subject) throws Exception {
        try (SmtpScript smtp = client("smtp-submission", source)) {
            String node = node(smtp);
            String reply = smtp.send("MAIL FROM:<app@example.test>").readReply();
            if (!reply.startsWith("250")) {
                return node + " " + reply.strip();
            }
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: " + subject + "\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            assertThat(smtp.queueId()).endsWith("-" + node);
            smtp.send("QUIT").expect("221");
            return node + " 250";
        }
    }

    @Test
    void thePerIpLimitCountsTheRealClientAcrossBothNodes() throws Exception {
        int delivered = sink.transactions().size();
        // 3 messages an hour per client, counted in Redis: the 4th is refused by whichever node takes it
        List<String> limited = new ArrayList<>();
        for (int i = 0; i < 8 && limited.stream().noneMatch(r -> !r.endsWith(" 250")); i++) {
            limited.add(submit("127.0.0.2", "limited " + i));
        }
        assertThat(limited).as("sessions of 127.0.0.2").hasSize(4);
        assertThat(limited.subList(0, 3)).as("spread over both nodes").allMatch(r -> r.endsWith(" 250"))
                .anyMatch(r -> r.startsWith("a ")).anyMatch(r -> r.startsWith("b "));
        assertThat(limited.get(3)).matches("[ab] 450 4\\.7\\.1 Message rate limit exceeded.*");
        // the node that did not refuse refuses too: one count for the client, not one per node
        String refusedBy = limited.get(3).substring(0, 1);
        String other = null;
        for (int i = 0; i < 6 && (other == null || other.startsWith(refusedBy)); i++) {
            other = submit("127.0.0.2", "again " + i);
            assertThat(other).matches("[ab] 450 4\\.7\\.1 Message rate limit exceeded.*");
        }
        assertThat(other).doesNotStartWith(refusedBy);
        // another client behind the same balancer is not affected, on either node
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 3 && served.stream().map(r -> r.substring(0, 1)).distinct().count() < 2; i++) {
            served.add(submit("127.0.0.3", "unaffected " + i));
        }
        assertThat(served).allMatch(r -> r.endsWith(" 250")).anyMatch(r -> r.startsWith("a ")).anyMatch(r -> r.startsWith("b "));
        // exactly the accepted messages were relayed, nothing more
        int accepted = 3 + served.size();
        assertThat(sink.awaitTransactions(delivered + accepted, 30)).hasSize(delivered + accepted);
    }

    @Test
    void trackOnTheOtherNodeFindsAMessageReceivedAndDeliveredThroughTheBalancer() throws Exception {
        String id;
        try (SmtpScript smtp = client("smtp-submission", "127.0.0.5")) {
            id = smtp.sendMessage("tracked@example.test", "user@example.test",
                    "Subject: tracked\r\nMessage-ID: <tracked.cluster@client.test>\r\n\r\nhello\r\n");
        }
        String receiver = id.substring(id.lastIndexOf('-') + 1);
        TestGateway other = gateway(receiver.equals("a") ? "b" : "a");
        assertThat(gateway(receiver).awaitEmptyQueue(20)).as("the receiving node delivered to the sink").isTrue();
        assertThat(sink.transactions()).anyMatch(t -> t.contains("tracked@example.test"));

        String timeline = Eventually.value(Duration.ofSeconds(15), "the other node's track shows the delivery", () -> {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = CliAccess.run(java.util.List.of("track", "--config",
                    other.dataDirectory().getParent().resolve("test.yaml").toString(), "--data-dir",
                    other.dataDirectory().toString(), "--message-id", "tracked.cluster@client.test"),
                    new PrintWriter(out, true), new PrintWriter(err, true));
            assertThat(exit).as(err.toString()).isZero();
            return out.toString();
        }, out -> out.contains("DELIVER"));
        assertThat(timeline).contains(id, "RECEIVE", "QUEUE", "DELIVER", "<user@example.test> via internal", "-- 1 message");
        // the answer came from the shared database: only the receiving node recorded the message
        assertThat(postgres.query("SELECT string_agg(DISTINCT node, ',') FROM tracking_events WHERE queue_id = '" + id + "'"))
                .isEqualTo(receiver);
    }

    @Test
    void aTripletGreylistedOnOneNodePassesOnTheOtherAfterTheDelay() throws Exception {
        String first;
        try (SmtpScript smtp = client("smtp-inbound", "127.0.0.4")) {
            first = node(smtp);
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<rcpt@example.test>").expect("451 4.7.1");
        }
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        String passedOn = null;
        for (int i = 0; i < 6 && passedOn == null; i++) { // the next sessions until one reaches the other node
            try (SmtpScript smtp = client("smtp-inbound", "127.0.0.4")) {
                if (!node(smtp).equals(first)) {
                    passedOn = node(smtp);
                    smtp.sendMessage("sender@remote.test", "rcpt@example.test", "Subject: greylisted before\r\n\r\nx\r\n");
                    smtp.send("QUIT").expect("221");
                }
            }
        }
        assertThat(passedOn).as("a session reached the other node").isNotNull().isNotEqualTo(first);
        Eventually.await(Duration.ofSeconds(20), "the passed message delivered",
                () -> sink.transactions().stream().anyMatch(t -> t.contains("greylisted before")));
        // a new client behind the same balancer is still greylisted: the pass counted 127.0.0.4, not HAProxy
        try (SmtpScript smtp = client("smtp-inbound", "127.0.9.4")) {
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<rcpt@example.test>").expect("451 4.7.1");
        }
    }
}
