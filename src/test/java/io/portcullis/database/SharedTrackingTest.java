package io.portcullis.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.spool.Json;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.PostgresServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes sharing one real PostgreSQL: what one node tracked and counted, the other's
 * {@code portcullis track} and {@code report} show. Node A delivers to a real Postfix smtp-sink.
 */
class SharedTrackingTest {
    private static final String TOKEN = "shared-tracking-token-0123456789";
    private static PostgresServer postgres;
    private static SmtpSink sink;
    private static TestGateway nodeA;
    private static TestGateway nodeB;

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresServer.start();
        sink = SmtpSink.start(SmtpSink.freePort());
        nodeA = SharedDatabaseNodes.node("a", postgres, sink.port(), "");
        nodeB = SharedDatabaseNodes.node("b", postgres, sink.port(), "",
                "admin:\n  bind: 127.0.0.1:0\n  token: " + TOKEN + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        try (PostgresServer p = postgres) {
            if (nodeA != null) {
                nodeA.close();
            }
            if (nodeB != null) {
                nodeB.close();
            }
            if (sink != null) {
                sink.close();
            }
        }
    }

    private static String send(TestGateway node, String sender, String recipient) throws Exception {
        return send(node, node.inboundPort(), sender, recipient);
    }

    private static String send(TestGateway node, int port, String sender, String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            return smtp.sendMessage(sender, recipient, "Subject: shared\r\nMessage-ID: <" + sender.replace('@', '.')
                    + "@client.test>\r\n\r\nhello\r\n");
        }
    }

    @Test
    void trackOnBFindsAMessageReceivedAndDeliveredByA() throws Exception {
        String id = send(nodeA, "tracked@remote.test", "user@example.test");
        assertThat(nodeA.awaitEmptyQueue(20)).as("A delivered to the sink").isTrue();
        assertThat(sink.transactions()).anyMatch(t -> t.contains("tracked@remote.test"));

        String timeline = Eventually.value(Duration.ofSeconds(15), "B's track shows A's delivery", () -> {
            SharedDatabaseNodes.CliRun run = SharedDatabaseNodes.cli("track", "--config",
                    SharedDatabaseNodes.configFile(nodeB).toString(), "--data-dir", nodeB.dataDirectory().toString(),
                    "--queue-id", id);
            assertThat(run.exitCode()).as(run.err()).isZero();
            return run.out();
        }, out -> out.contains("DELIVER"));
        assertThat(timeline).contains(id, "RECEIVE", "QUEUE", "DELIVER", "<user@example.test> via internal", "-- 1 message");
        // B's own files know nothing of it: the answer came from the shared database
        SharedDatabaseNodes.CliRun local = SharedDatabaseNodes.cli("track", "--data-dir", nodeB.dataDirectory().toString(),
                "--queue-id", id);
        assertThat(local.out()).contains("-- 0 messages");
        assertThat(postgres.query("SELECT string_agg(DISTINCT node, ',') FROM tracking_events WHERE queue_id = '" + id + "'"))
                .isEqualTo("a");
        // the dashboard's search on B (the admin API) reads the shared database too
        java.net.http.HttpResponse<String> api = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + nodeB.adminAddress().getPort() + "/api/track?queue-id=" + id))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(200);
        JsonNode events = Json.MAPPER.readTree(api.body()).get("timelines").get(id);
        assertThat(events).extracting(e -> e.get("event").asText()).containsExactly("RECEIVE", "QUEUE", "DELIVER");
        // searching by sender across nodes works as well
        assertThat(SharedDatabaseNodes.cli("track", "--config", SharedDatabaseNodes.configFile(nodeB).toString(),
                "--sender", "TRACKED@remote.test").out()).contains(id, "-- 1 message");
    }

    @Test
    void reportAddsUpTheFiguresOfBothNodes() throws Exception {
        // the outbound flow: no other test of this class sends there
        long before = outboundMessages();
        send(nodeA, nodeA.port("outbound"), "report1@example.test", "user@example.test");
        send(nodeA, nodeA.port("outbound"), "report2@example.test", "user@example.test");
        send(nodeB, nodeB.port("outbound"), "report3@example.test", "user@example.test");
        long after = Eventually.value(Duration.ofSeconds(15), "the report counts three more outbound messages",
                SharedTrackingTest::outboundMessages, count -> count >= before + 3);
        assertThat(after).isEqualTo(before + 3);
        assertThat(postgres.query("SELECT count(DISTINCT node) FROM report_hours WHERE flow = 'outbound'")).isEqualTo("2");
    }

    @Test
    void quarantineListingSpansNodesAndFollowsReleases() throws Exception {
        String heldOnA = hold(nodeA, "spam-a@remote.test", "Subject: offer from A");
        String heldOnB = hold(nodeB, "spam-b@remote.test", "Subject: offer from B");
        String[] list = {"quarantine", "list", "--all-nodes", "--config", SharedDatabaseNodes.configFile(nodeB).toString(),
                "--data-dir", nodeB.dataDirectory().toString(), "--sender", "spam-"};
        String listing = Eventually.value(Duration.ofSeconds(15), "both entries listed on B", () -> {
            SharedDatabaseNodes.CliRun run = SharedDatabaseNodes.cli(list);
            assertThat(run.exitCode()).as(run.err()).isZero();
            return run.out();
        }, out -> out.contains(heldOnA) && out.contains(heldOnB));
        assertThat(listing).containsPattern("a +" + heldOnA + " .* header-check .*<spam-a@remote.test> offer from A")
                .containsPattern("b +" + heldOnB + " .*<spam-b@remote.test> offer from B")
                .contains("-- 2 held on all nodes");

        nodeA.quarantine().release(heldOnA, java.util.List.of(), "test");
        Eventually.await(Duration.ofSeconds(15), "the released entry leaves the index", () ->
                !SharedDatabaseNodes.cli(list).out().contains(heldOnA));
        assertThat(SharedDatabaseNodes.cli(list).out()).contains(heldOnB, "-- 1 held on all nodes");
    }

    /** Holds a message as a session does: written to the spool, committed with a quarantine reason. */
    private static String hold(TestGateway node, String sender, String content) throws Exception {
        try (io.portcullis.spool.IncomingMessage message = node.spool().create()) {
            message.content().write((content + "\r\n\r\nbuy\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            message.commit(new io.portcullis.spool.Envelope(io.portcullis.spool.Envelope.CURRENT_VERSION, message.id(),
                    "inbound", "inbound", java.time.Instant.now(), new io.portcullis.spool.Envelope.Client("127.0.0.1", 40000,
                    "client.test", "ESMTP", null, null, null), sender, null, "7BIT", false, null, null,
                    java.util.List.of(new io.portcullis.spool.Envelope.Recipient("user@example.test", java.util.List.of(), null)),
                    message.size(), null, "header-check: bulk mailer"));
            return message.id();
        }
    }

    /** Outbound messages of the last day, by {@code portcullis report} on node A's configuration. */
    private static long outboundMessages() throws Exception {
        SharedDatabaseNodes.CliRun run = SharedDatabaseNodes.cli("report", "--config",
                SharedDatabaseNodes.configFile(nodeA).toString(), "--by", "day", "--since", "1d", "--format", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        for (JsonNode flow : Json.MAPPER.readTree(run.out()).get("flows")) {
            if (flow.get("flow").asText().equals("outbound")) {
                return flow.get("messages").asLong();
            }
        }
        return 0;
    }
}
