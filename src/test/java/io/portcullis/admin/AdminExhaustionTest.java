package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.RawHttp;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever arrives on the admin port stays there: thousands of half-sent or silent connections,
 * requests trickled in one octet at a time, oversized headers and bodies, pipelined and HTTP/1.0
 * keep-alive requests. After each, a fresh SMTP client completes a transaction and {@code /health}
 * answers. The gateway runs with a 2 s request timeout and 32 connections, so the bounds show quickly.
 */
class AdminExhaustionTest {
    private static final int MAX_CONNECTIONS = 32;
    private static final int THREADS = 8;
    private static final long REQUEST_TIMEOUT_MILLIS = 2000;
    @TempDir
    static Path directory;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        String yaml = TestGateway.defaultYaml("") + """
                admin:
                  bind: 127.0.0.1:0
                  token: exhaustion-test-token-0123
                  max-connections: %d
                  threads: %d
                  request-timeout: %dms
                  idle-timeout: 5s
                """.formatted(MAX_CONNECTIONS, THREADS, REQUEST_TIMEOUT_MILLIS);
        gateway = Gateway.start(ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), yaml)),
                directory.resolve("data"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static int adminPort() {
        return gateway.adminAddress().getPort();
    }

    static Stream<Arguments> abusers() {
        return Stream.of(
                Arguments.of("half-sent GET /health", "GET /health HTTP/1.1\r\n"),
                Arguments.of("silent", ""));
    }

    /**
     * The abusers stay connected throughout: those that got a place are cut off at the request
     * timeout, the others were turned away (503) as they arrived, so {@code /health} answers
     * while the abusers' sockets are all still open.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("abusers")
    void thousandsOfAbusersNeitherReachSmtpNorHoldMoreThanTheLimit(String name, String opening) throws Exception {
        List<SocketChannel> abusers = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            int planned = abuserBudget();
            for (int i = 0; i < planned; i++) {
                SocketChannel channel = SocketChannel.open();
                abusers.add(channel);
                channel.configureBlocking(false);
                if (channel.connect(new InetSocketAddress("127.0.0.1", adminPort()))) {
                    write(channel, opening);
                } else {
                    channel.register(selector, SelectionKey.OP_CONNECT);
                }
                if (i % 100 == 0) {
                    finishConnects(selector, opening, 0);
                }
            }
            finishConnects(selector, opening, 2000);

            smtpTransaction(); // while the abusers are all still there
            assertThat(serverSideConnections()).as("admin connections held by the gateway")
                    .isLessThanOrEqualTo(2 * MAX_CONNECTIONS); // the limit, and those being turned away
            assertThat(adminThreads()).as("admin server threads").isLessThanOrEqualTo(THREADS);
            assertThat(awaitHealth()).isEqualTo(200);
        } finally {
            for (SocketChannel channel : abusers) {
                channel.close();
            }
        }
        smtpTransaction();
    }

    private static void finishConnects(Selector selector, String opening, long millis) throws IOException {
        long until = System.nanoTime() + millis * 1_000_000;
        do {
            selector.selectNow();
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel channel = (SocketChannel) key.channel();
                key.cancel();
                try {
                    if (channel.finishConnect()) {
                        write(channel, opening);
                    }
                } catch (IOException refused) {
                    // turned away before the request was written
                }
            }
            selector.selectedKeys().clear();
            if (millis > 0) {
                selector.select(50);
            }
        } while (System.nanoTime() < until);
    }

    @Test
    void healthAnswersBesideAbusersWithinTheLimit() throws Exception {
        List<RawHttp> abusers = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS - 2; i++) {
                abusers.add(RawHttp.connect(adminPort()).send("GET /health HTTP/1.1\r\n"));
            }
            assertThat(RawHttp.status(adminPort(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
                    .isEqualTo(200);
            smtpTransaction();
        } finally {
            for (RawHttp abuser : abusers) {
                abuser.close();
            }
        }
    }

    /** Of one connection more than the limit, exactly one is answered 503 at once; the others are cut off at the deadline. */
    @Test
    void aConnectionOverTheLimitIsAnswered503() throws Exception {
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int i = 0; i <= MAX_CONNECTIONS; i++) {
                connections.add(RawHttp.connect(adminPort()).send("GET /health HTTP/1.1\r\n"));
            }
            List<RawHttp.Answer> answers = new ArrayList<>();
            for (RawHttp connection : connections) {
                answers.add(connection.readUntilClosed());
            }
            assertThat(answers).allSatisfy(answer -> assertThat(answer.closed()).isTrue());
            assertThat(answers.stream().flatMap(answer -> answer.statuses().stream())).containsExactly(503);
            assertThat(answers).anySatisfy(answer -> assertThat(answer.text()).contains("too many connections to the admin port"));
        } finally {
            for (RawHttp connection : connections) {
                connection.close();
            }
        }
        assertThat(awaitHealth()).isEqualTo(200);
        smtpTransaction();
    }

    static Stream<Arguments> trickles() {
        return Stream.of(
                Arguments.of("request line", "", "GET /health?" + "a".repeat(200)),
                Arguments.of("header fields", "GET /health HTTP/1.1\r\nHost: a\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                Arguments.of("empty lines before the request line", "", "\r\n"),
                Arguments.of("second request on a kept-alive connection",
                        "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /health HTTP/1.1\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaa"),
                Arguments.of("second request after HTTP/1.0 keep-alive",
                        "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /heal", "th HTTP/1.0\r\nX-Slow: aaaaaaaaaa"),
                Arguments.of("announced body", "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", "a"),
                Arguments.of("chunked body without end", "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "1\r\na\r\n"));
    }

    /** One octet every 250 ms keeps the idle timeout (5 s) from ever firing: only the request deadline ends it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("trickles")
    void aRequestTrickledInIsCutOffAtTheDeadline(String name, String opening, String trickle) throws Exception {
        try (RawHttp http = RawHttp.connect(adminPort())) {
            http.send(opening);
            http.setReadTimeout(250);
            long started = System.nanoTime();
            StringBuilder answers = new StringBuilder();
            boolean closed = false;
            byte[] buffer = new byte[4096];
            for (int i = 0; !closed && System.nanoTime() - started < 15_000_000_000L; i++) {
                try {
                    int n = http.socket().getInputStream().read(buffer);
                    if (n < 0) {
                        closed = true;
                    } else {
                        answers.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    }
                } catch (SocketTimeoutException e) {
                    try {
                        http.send(trickle.substring(i % trickle.length(), i % trickle.length() + 1));
                    } catch (IOException reset) {
                        closed = true;
                    }
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(closed).as("closed by the gateway within 15 s").isTrue();
            assertThat(millis).as("time to the close").isLessThan(REQUEST_TIMEOUT_MILLIS + 5000);
            long answered = new RawHttp.Answer(answers.toString(), true).statuses().stream().filter(s -> s == 200).count();
            assertThat(answered).as("answers: " + answers).isEqualTo(opening.contains("\r\n\r\nGET") ? 1 : 0);
        }
        assertThat(RawHttp.status(adminPort(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).isEqualTo(200);
        smtpTransaction();
    }

    @Test
    void anAnnouncedBodyOverTheLimitGets413() throws Exception {
        assertThat(RawHttp.status(adminPort(), "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 10485760\r\n\r\n"))
                .isEqualTo(413);
        try (RawHttp http = RawHttp.connect(adminPort())) {
            http.send("POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 10485760\r\n\r\n");
            try {
                for (int i = 0; i < 160; i++) {
                    http.send(new byte[65536]); // the client sends on regardless
                }
            } catch (IOException closedMeanwhile) {
                // the gateway answered and closed; the answer is still to be read
            }
            assertThat(http.readUntilClosed().statuses()).containsExactly(413);
        }
        smtpTransaction();
    }

    @Test
    void aChunkedBodyOverTheLimitGets413() throws Exception {
        String chunk = Integer.toHexString(16384) + "\r\n" + "a".repeat(16384) + "\r\n";
        assertThat(RawHttp.status(adminPort(), "POST /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk.repeat(5) + "0\r\n\r\n")).isEqualTo(413);
        smtpTransaction();
    }

    @Test
    void aBodyWithinTheLimitIsReadAndTheRequestAnswered() throws Exception {
        assertThat(RawHttp.status(adminPort(), "POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 65536\r\n"
                + "Connection: close\r\n\r\n" + "a".repeat(65536))).isEqualTo(405);
        String chunk = "400\r\n" + "a".repeat(1024) + "\r\n";
        assertThat(RawHttp.status(adminPort(), "GET /health HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n" + chunk.repeat(8) + "0\r\n\r\n")).isEqualTo(200);
    }

    static Stream<Arguments> oversizedHeaders() {
        return Stream.of(
                Arguments.of("one huge header field", "GET /health HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", 431),
                Arguments.of("many header fields", "GET /health HTTP/1.1\r\nHost: a\r\n" + "X-Many: a\r\n".repeat(3000) + "\r\n", 431),
                Arguments.of("huge request line", "GET /health?" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oversizedHeaders")
    void anOversizedHeaderIsRefused(String name, String request, int status) throws Exception {
        assertThat(RawHttp.status(adminPort(), request)).isEqualTo(status);
        smtpTransaction();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp http = RawHttp.connect(adminPort())) {
            http.send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n".repeat(99) + "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
            List<Integer> statuses = http.readAnswers(100).statuses();
            assertThat(statuses).hasSize(100).startsWith(200, 200).endsWith(200, 404);
        }
    }

    @Test
    void http10KeepAliveServesOneRequestAfterAnother() throws Exception {
        try (RawHttp http = RawHttp.connect(adminPort())) {
            http.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(http.readAnswers(1).statuses()).containsExactly(200);
            http.send("GET /health HTTP/1.0\r\n\r\n");
            RawHttp.Answer rest = http.readUntilClosed();
            assertThat(rest.statuses()).containsExactly(200);
            assertThat(rest.closed()).isTrue();
        }
    }

    private static void write(SocketChannel channel, String text) {
        try {
            if (!text.isEmpty()) {
                channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
            }
        } catch (IOException turnedAway) {
            // answered 503 and closed before the request was written
        }
    }

    /** As many abusers as the descriptor limit leaves room for (each costs this JVM one), at most 5,000. */
    private static int abuserBudget() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 1000;
            assertThat(room).as("file descriptors for the abusers (ulimit -n)").isGreaterThan(MAX_CONNECTIONS * 4);
            return (int) Math.min(5000, room);
        }
        return 1000;
    }

    /** Established connections whose local end is the admin port: the gateway's side only. */
    private static long serverSideConnections() throws IOException {
        String port = String.format(Locale.ROOT, ":%04X", adminPort());
        long count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) { // Java's sockets are IPv6 ones, IPv4-mapped
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                count += lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
                        .filter(f -> f[1].endsWith(port) && f[3].equals("01")).count();
            }
        }
        return count;
    }

    private static long adminThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("admin-http")).count();
    }

    /** The status of {@code /health}, asked again while it is 503 (no place free) for up to the request timeout and 10 s. */
    private static int awaitHealth() throws Exception {
        long until = System.nanoTime() + (REQUEST_TIMEOUT_MILLIS + 10_000) * 1_000_000;
        while (true) {
            int status;
            try {
                status = RawHttp.status(adminPort(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            } catch (IOException e) {
                status = -1;
            }
            if (status == 200 || System.nanoTime() > until) {
                return status;
            }
            Thread.sleep(200);
        }
    }

    private static void smtpTransaction() throws IOException {
        try (SmtpScript smtp = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort())) {
            smtp.expect("220").send("EHLO client.example.org").expect("250 ");
            String id = smtp.sendMessage("a@example.org", "b@example.test", "Subject: during abuse\r\n\r\nx\r\n");
            assertThat(gateway.spool().queuedIds()).contains(id);
        }
    }
}
