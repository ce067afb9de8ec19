package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.Closing;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster view ({@code /api/cluster}) of two real nodes that list each other as peers, plus a
 * peer where nothing listens and one that accepts and never answers: each node shows itself and
 * its peers with state and queue; a dead or silent peer is "down" within {@code peer-timeout},
 * and the view never waits much longer than that.
 */
class ClusterViewTest {
    private static final String TOKEN = "cluster-view-token-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestGateway a;
    private static TestGateway b;
    private static ServerSocket silent;

    static String yaml(String node, int adminPort, int adminA, int adminB, int dead, int silentPort) throws Exception {
        return "node-id: " + node + "\n" + TestGateway.defaultYaml("") + """
                admin:
                  bind: 127.0.0.1:%d
                  token: %s
                cluster:
                  peer-timeout: 500ms
                  peers:
                    - {node-id: a, admin-url: "http://127.0.0.1:%d"}
                    - {node-id: b, admin-url: "http://127.0.0.1:%d"}
                    - {node-id: c, admin-url: "http://127.0.0.1:%d"}
                    - {node-id: d, admin-url: "http://127.0.0.1:%d"}
                """.formatted(adminPort, TOKEN, adminA, adminB, dead, silentPort);
    }

    @BeforeAll
    static void start() throws Exception {
        int adminA = SmtpSink.freePort();
        int adminB = SmtpSink.freePort();
        int dead = SmtpSink.freePort();
        silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()); // accepts (backlog), never answers
        a = TestGateway.startYaml(yaml("a", adminA, adminA, adminB, dead, silent.getLocalPort()));
        b = TestGateway.startYaml(yaml("b", adminB, adminA, adminB, dead, silent.getLocalPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(a, b, silent);
    }

    private static HttpResponse<String> get(TestGateway node, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort()
                + "/api/cluster")).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, JsonNode> nodes(TestGateway node) throws Exception {
        HttpResponse<String> response = get(node, TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, JsonNode> byNode = new HashMap<>();
        JsonNode view = new ObjectMapper().readTree(response.body());
        view.path("nodes").forEach(n -> byNode.put(n.path("node").asText(), n));
        return byNode;
    }

    @Test
    void eachNodeShowsItselfItsPeersAndDownPeersWithoutHanging() throws Exception {
        try (SmtpScript smtp = b.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendMessage("x@example.org", "y@example.test", "Subject: queued on b\r\n\r\nx\r\n");
        }
        long started = System.nanoTime();
        Map<String, JsonNode> view = nodes(a);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(view).containsOnlyKeys("a", "b", "c", "d");
        assertThat(view.get("a").path("self").asBoolean()).isTrue();
        assertThat(view.get("a").path("state").asText()).isEqualTo("up");
        assertThat(view.get("b").path("self").asBoolean()).isFalse();
        assertThat(view.get("b").path("state").asText()).isEqualTo("up");
        assertThat(view.get("b").path("queued").asLong()).isEqualTo(b.queued().size()).isPositive();
        assertThat(view.get("b").path("received").asLong()).isPositive();
        assertThat(view.get("c").path("state").asText()).isEqualTo("down");
        assertThat(view.get("c").path("queued").isNull()).isTrue();
        assertThat(view.get("d").path("state").asText()).isEqualTo("down");
        assertThat(view.get("d").path("error").asText()).isEqualTo("no answer in time");
        assertThat(took).as("a silent peer costs at most its timeout").isLessThan(Duration.ofSeconds(5));
        // and the view of b shows a the same way
        assertThat(nodes(b).get("a").path("state").asText()).isEqualTo("up");
    }

    @Test
    void aDrainingPeerShowsDraining() throws Exception {
        b.gateway().drain();
        try {
            assertThat(nodes(a).get("b").path("state").asText()).isEqualTo("draining");
            assertThat(nodes(b).get("b").path("state").asText()).isEqualTo("draining");
        } finally {
            b.gateway().undrain();
        }
        assertThat(nodes(a).get("b").path("state").asText()).isEqualTo("up");
    }

    @Test
    void theViewNeedsTheToken() throws Exception {
        assertThat(get(a, null).statusCode()).isEqualTo(401);
        assertThat(get(a, "wrong-token-0123456789").statusCode()).isEqualTo(401);
    }
}
