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
    private static PostgresServer postgres;
    private static SmtpSink sink;
    private static TestGateway nodeA;
    private static TestGateway nodeB;

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresServer.start();
        sink = SmtpSink.start(SmtpSink.freePort());
        nodeA = SharedDatabaseNodes.node("a.gateway.test", postgres, sink.port(), "");
        nodeB = SharedDatabaseNodes.node("b.gateway.test", postgres, sink.port(), "");
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
        try (SmtpScript smtp = node.connect()) {
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
                .isEqualTo("a.gateway.test");
        // searching by sender across nodes works as well
        assertThat(SharedDatabaseNodes.cli("track", "--config", SharedDatabaseNodes.configFile(nodeB).toString(),
                "--sender", "TRACKED@remote.test").out()).contains(id, "-- 1 message");
    }

    @Test
    void reportAddsUpTheFiguresOfBothNodes() throws Exception {
        long before = inboundMessages();
        send(nodeA, "report1@remote.test", "user@example.test");
        send(nodeA, "report2@remote.test", "user@example.test");
        send(nodeB, "report3@remote.test", "user@example.test");
        long after = Eventually.value(Duration.ofSeconds(15), "the report counts three more inbound messages",
                SharedTrackingTest::inboundMessages, count -> count >= before + 3);
        assertThat(after).isEqualTo(before + 3);
        assertThat(postgres.query("SELECT count(DISTINCT node) FROM report_hours WHERE flow = 'inbound'")).isEqualTo("2");
    }

    /** Inbound messages of the last day, by {@code portcullis report} on node A's configuration. */
    private static long inboundMessages() throws Exception {
        SharedDatabaseNodes.CliRun run = SharedDatabaseNodes.cli("report", "--config",
                SharedDatabaseNodes.configFile(nodeA).toString(), "--by", "day", "--since", "1d", "--format", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        for (JsonNode flow : Json.MAPPER.readTree(run.out()).get("flows")) {
            if (flow.get("flow").asText().equals("inbound")) {
                return flow.get("messages").asLong();
            }
        }
        return 0;
    }
}
