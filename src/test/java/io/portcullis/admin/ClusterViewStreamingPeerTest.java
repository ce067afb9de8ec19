package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.Closing;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile (or misconfigured) entry of {@code cluster.peers} whose admin URL answers 200 and then
 * streams its body without end: the cluster view shows it down within {@code peer-timeout}, and
 * hangs up on it rather than reading on into memory after the page was answered (every look at the
 * dashboard would otherwise leave one more endless download running). A peer that sends a huge
 * body quickly is cut off at the answer limit (1 MiB), not read whole; one that trickles is hung up
 * on when the timeout passes.
 */
class ClusterViewStreamingPeerTest {
    private static final String TOKEN = "cluster-stream-token-0123456789";
    /** The streamer gives up by itself after this long (a bounded loop even when nobody hangs up). */
    private static final Duration STREAM_CAP = Duration.ofSeconds(40);
    private static TestGateway node;
    private static ServerSocket streamer;
    private static final Queue<Long> hungUpAfterBytes = new ConcurrentLinkedQueue<>();
    private static final AtomicLong openStreams = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        streamer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(ClusterViewStreamingPeerTest::acceptLoop);
        int admin = SmtpSink.freePort();
        node = TestGateway.startYaml("node-id: a\n" + TestGateway.defaultYaml("") + """
                admin:
                  bind: 127.0.0.1:%d
                  token: %s
                cluster:
                  peer-timeout: 1s
                  peers:
                    - {node-id: e, admin-url: "http://127.0.0.1:%d"}
                """.formatted(admin, TOKEN, streamer.getLocalPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(node, streamer);
    }

    /** Each connection: the request read, 200 with no length, then bytes until the reader hangs up or the cap. */
    private static void acceptLoop() {
        while (!streamer.isClosed()) {
            Socket socket;
            try {
                socket = streamer.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> stream(socket));
        }
    }

    private static void stream(Socket socket) {
        openStreams.incrementAndGet();
        long sent = 0;
        long deadline = System.nanoTime() + STREAM_CAP.toNanos();
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            StringBuilder head = new StringBuilder();
            int matched = 0;
            while (matched < 4) { // up to the blank line ending the request head
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            boolean trickle = head.toString().startsWith("GET /api/summary"); // slow: within the limit, past the time
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"x\":\""
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
            while (System.nanoTime() - deadline < 0) {
                if (trickle) {
                    out.write(' ');
                    out.flush();
                    sent++;
                    Thread.sleep(50);
                    continue;
                }
                out.write(chunk);
                out.flush();
                sent += chunk.length;
            }
        } catch (IOException e) {
            hungUpAfterBytes.add(sent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            openStreams.decrementAndGet();
        }
    }

    @Test
    void anEndlessPeerIsDownAndHungUpOn() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/api/cluster"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        JsonNode peer = null;
        for (JsonNode n : new ObjectMapper().readTree(response.body()).path("nodes")) {
            if (n.path("node").asText().equals("e")) {
                peer = n;
            }
        }
        assertThat(peer).isNotNull();
        assertThat(peer.path("state").asText()).isEqualTo("down");

        // the view stops reading: every stream it opened ends well before the streamer's own cap
        long waitUntil = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while ((openStreams.get() > 0 || hungUpAfterBytes.size() < 2) && System.nanoTime() - waitUntil < 0) {
            Thread.sleep(100);
        }
        assertThat(openStreams.get()).as("peer streams still being read 15 s after the view answered").isZero();
        assertThat(hungUpAfterBytes).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(bytes -> assertThat(bytes).as("octets read from the peer").isLessThan(64L * 1024 * 1024));

        // the gateway still serves mail
        try (SmtpScript smtp = node.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendMessage("x@example.org", "y@example.test", "Subject: after\r\n\r\nx\r\n");
        }
        assertThat(node.queued()).hasSize(1);
    }
}
