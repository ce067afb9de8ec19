package io.portcullis.delivery.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.TestCa;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A policy server that misbehaves at the HTTP level, written here over a raw TLS socket (the JDK's
 * HttpsServer would not misbehave): a body trickled a byte at a time, an endless header section,
 * an endless chunked body, chunk sizes that are not numbers. Each is a fetch error within the
 * fetch timeout (2 s here), never a hang; a well-formed chunked policy is read.
 */
class PolicyFetchHostileServerTest {
    private static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.chunked.test\r\nmax_age: 86400\r\n";
    private static final String[] DOMAINS = {"trickle.test", "headers.test", "endless.test", "badchunk.test", "chunked.test"};
    private static SSLServerSocket server;
    private static Dnsmasq dns;
    private static Path trust;
    private static Thread acceptor;

    @BeforeAll
    static void start() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            ExternalProgram.unavailable("a policy server listens on port 443 (RFC 8461 §3.3), which needs root");
        }
        TestCa ca = new TestCa("hostile policy server CA");
        trust = ca.writeTrust(Files.createTempDirectory("hostile-policy").resolve("ca.pem"));
        String[] hosts = java.util.Arrays.stream(DOMAINS).map(d -> "mta-sts." + d).toArray(String[]::new);
        var context = ca.issue(hosts).serverContext();
        for (int attempt = 0; server == null; attempt++) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String address = "127." + random.nextInt(1, 255) + "." + random.nextInt(1, 255) + "." + random.nextInt(2, 255);
            try {
                server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
                server.bind(new InetSocketAddress(InetAddress.getByName(address), 443));
            } catch (IOException e) {
                server = null;
                if (attempt == 4) {
                    throw e;
                }
            }
        }
        acceptor = Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Thread.ofVirtual().start(() -> answer(client));
                } catch (IOException e) {
                    return;
                }
            }
        });
        List<String> records = new ArrayList<>();
        for (String domain : DOMAINS) {
            records.add("--host-record=mta-sts." + domain + "," + server.getInetAddress().getHostAddress());
            records.add(Dnsmasq.txtRecord("_mta-sts." + domain, "v=STSv1; id=1;"));
        }
        dns = Dnsmasq.start(records.toArray(String[]::new));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
            acceptor.join(Duration.ofSeconds(10));
        }
        Closing.closeAll(dns);
    }

    /** Misbehaves as the Host header says; every loop ends by itself (or when the client hangs up). */
    private static void answer(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            BufferedReader request = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            String host = "";
            for (String line = request.readLine(); line != null && !line.isEmpty(); line = request.readLine()) {
                if (line.toLowerCase().startsWith("host:")) {
                    host = line.substring(5).strip();
                }
            }
            OutputStream out = client.getOutputStream();
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
            switch (host) {
                case "mta-sts.trickle.test" -> {
                    out.write((head + "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 300; i++) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(100);
                    }
                }
                case "mta-sts.headers.test" -> {
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 100_000; i++) {
                        out.write(("X-Filler-" + i + ": yes\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                }
                case "mta-sts.endless.test" -> {
                    out.write((head + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = ("1000\r\n" + "y".repeat(4096) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 10_000; i++) {
                        out.write(chunk);
                    }
                }
                case "mta-sts.badchunk.test" -> out.write((head + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                default -> {
                    out.write((head + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < POLICY.length(); i += 10) {
                        String piece = POLICY.substring(i, Math.min(POLICY.length(), i + 10));
                        out.write((Integer.toHexString(piece.length()) + ";ext=1\r\n" + piece + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            // the client hung up, as it should
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "trickle.test  | no answer within 2s",
        "headers.test  | more than 100 header lines",
        "endless.test  | larger than 65536 octets",
        "badchunk.test | malformed chunk size",
        "chunked.test  | "})
    void aMisbehavingServerIsAFetchErrorWithinTheTimeout(String domain, String reason) throws Exception {
        Path data = Files.createTempDirectory("hostile-policy-data");
        MutableClock clock = new MutableClock(Instant.now());
        TlsReports reports = new TlsReports(data.resolve("tls-reports"), 100, clock);
        PolicyDns policyDns = new PolicyDns(new InetSocketAddress("127.0.0.1", dns.port()));
        MtaStsPolicies policies = new MtaStsPolicies(policyDns, new PolicyHttps(policyDns, MtaStsService.trustContext(trust),
                Duration.ofSeconds(2), address -> java.util.Optional.empty()), reports, data.resolve("mta-sts"), 100, clock);
        long started = System.nanoTime();
        var policy = policies.policyFor(domain);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("bounded by the fetch timeout, not by the server").isLessThan(Duration.ofSeconds(20));
        if (reason == null) {
            assertThat(policy).isPresent();
            assertThat(policy.get().mx()).containsExactly("mx.chunked.test");
            return;
        }
        assertThat(policy).isEmpty();
        List<TlsReports.Detail> details = reports.takeDue(true).getFirst().domains().get(domain).getFirst().details();
        assertThat(details.getFirst().resultType()).isEqualTo("sts-policy-fetch-error");
        assertThat(details.getFirst().additionalInformation()).contains(reason);
    }
}
