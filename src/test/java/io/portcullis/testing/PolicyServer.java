package io.portcullis.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;

/**
 * A real HTTPS server (the JDK's {@link HttpsServer}) on port 443 of a loopback address of its
 * own (127.x.y.z, chosen at random so parallel tests never collide), answering
 * {@code /.well-known/mta-sts.txt} per host name ({@link #answer}) and recording every POST.
 * Port 443 is what RFC 8461 §3.3 fetches from, so it needs root; without root the test is skipped
 * (or fails under CI). The certificate is chosen by the caller: one naming the host, or a wrong one.
 */
public final class PolicyServer implements AutoCloseable {
    /** What to answer: status, Content-Type and body (a Location header on a 3xx). */
    public record Answer(int status, String contentType, byte[] body) {
        public static Answer policy(String text) {
            return new Answer(200, "text/plain", text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** A received POST. */
    public record Post(String host, String path, String contentType, byte[] body) {
    }

    private final HttpsServer server;
    private final String address;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Post> posts = new CopyOnWriteArrayList<>();
    private final List<String> gets = new CopyOnWriteArrayList<>();

    private PolicyServer(SSLContext tls) throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            ExternalProgram.unavailable("an MTA-STS policy server listens on port 443 (RFC 8461 §3.3), which needs root");
        }
        IOException last = null;
        HttpsServer bound = null;
        String chosen = null;
        for (int attempt = 0; attempt < 5 && bound == null; attempt++) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            chosen = "127." + random.nextInt(1, 255) + "." + random.nextInt(1, 255) + "." + random.nextInt(2, 255);
            try {
                bound = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(chosen), 443), 16);
            } catch (IOException e) {
                last = e;
            }
        }
        if (bound == null) {
            throw last;
        }
        server = bound;
        address = chosen;
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host"));
            byte[] body = exchange.getRequestBody().readNBytes(1024 * 1024);
            if (exchange.getRequestMethod().equals("POST")) {
                posts.add(new Post(host, exchange.getRequestURI().toString(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body));
                exchange.sendResponseHeaders(201, -1);
                exchange.close();
                return;
            }
            gets.add(host + exchange.getRequestURI());
            Answer answer = answers.get(host.toLowerCase(java.util.Locale.ROOT));
            if (answer == null || !exchange.getRequestURI().getPath().equals("/.well-known/mta-sts.txt")) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            if (answer.status() / 100 == 3) {
                exchange.getResponseHeaders().set("Location", "https://elsewhere.test/.well-known/mta-sts.txt");
            }
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        });
        server.start();
    }

    /** Starts a server presenting the certificate of {@code tls}. */
    public static PolicyServer start(SSLContext tls) throws IOException {
        return new PolicyServer(tls);
    }

    /** The loopback address it listens on (port 443): the A record of every host it serves. */
    public String address() {
        return address;
    }

    public void answer(String host, Answer answer) {
        answers.put(host, answer);
    }

    public List<Post> posts() {
        return List.copyOf(posts);
    }

    /** "host/path" of each GET, in order. */
    public List<String> gets() {
        return List.copyOf(gets);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
