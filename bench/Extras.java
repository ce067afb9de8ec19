import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The optional scenarios of bench/run: {@code --defences} (the inbound policy checks of issue 13
 * on, every one passing, against the plain relay) and {@code --tls} (outbound delivery to a TLS
 * sink: plain, opportunistic, DANE-verified). Each brings its own DNS servers and its own
 * baseline, and adds a sentence to {@link Bench#notes}.
 */
final class Extras {
    static final String HELO = "source.bench.test";
    static final int DEFENCES_ADMIN_PORT = 8027;
    static final int DEFENCES_UNCACHED_ADMIN_PORT = 8029;
    static final int TLS_ADMIN_PORT = 8028;

    private Extras() {
    }

    // ---- inbound defences

    /**
     * The plain relay, then the defences relay with the DNS lists' answer cache (after the first
     * connection every DNSBL/DBL answer comes from it: smtp-source has one client address, one
     * sender, one HELO name), then one with {@code cache-size: 0}, whose every connection asks the
     * DNS server. Reverse DNS, the HELO and sender-domain lookups and the greylist triplet are done
     * for every session (smtp-source opens one session per message) in both.
     */
    static List<Bench.Result> defences(Relay plain, boolean quick) throws Exception {
        Bench.Scenario scenario = new Bench.Scenario(20, 1024, quick ? 2000 : 8000);
        Bench.Scenario warmUp = new Bench.Scenario(20, 1024, quick ? 2000 : 5000);
        List<String> options = List.of("-M", HELO);
        List<Bench.Result> results = new ArrayList<>();
        // host-record gives source.bench.test its A record and 127.0.0.1 its PTR; bench.test an MX.
        try (BenchDns dns = BenchDns.dnsmasq(List.of("--host-record=" + HELO + ",127.0.0.1",
                "--mx-host=bench.test," + HELO + ",10"))) {
            System.out.println("== " + scenario.name() + ", inbound defences (dnsmasq on 127.0.0.1:" + dns.port + ")");
            Relay cached = defencesRelay("portcullis+defences", Bench.DEFENCES_PORT, dns.port, "100000", DEFENCES_ADMIN_PORT);
            Relay uncached = null;
            try {
                uncached = defencesRelay("portcullis+defences-nocache", Bench.DEFENCES_UNCACHED_PORT, dns.port, "0",
                        DEFENCES_UNCACHED_ADMIN_PORT);
                for (Relay relay : List.of(cached, uncached)) {
                    passGreylist(relay.port);
                    Bench.run(warmUp, relay, relay.name, options, "user@example.test");
                    Bench.run(warmUp, relay, relay.name, options, "user@example.test");
                }
                // A B C C B A, the better run of each counting, as for the main scenarios.
                Map<Relay, Bench.Result> best = new LinkedHashMap<>();
                List<Relay> order = List.of(plain, cached, uncached);
                for (Relay relay : List.of(order.get(0), order.get(1), order.get(2), order.get(2), order.get(1), order.get(0))) {
                    Bench.Result result = Bench.run(scenario, relay, relay.name, options, "user@example.test");
                    best.merge(relay, result, (a, b) -> a.endToEndPerSecond() >= b.endToEndPerSecond() ? a : b);
                }
                results.addAll(best.values());
                String cachedLookups = lookupsPerMessage(DEFENCES_ADMIN_PORT);
                String uncachedLookups = lookupsPerMessage(DEFENCES_UNCACHED_ADMIN_PORT);
                showVerdicts(DEFENCES_UNCACHED_ADMIN_PORT);
                Bench.Result base = best.get(plain);
                Bench.Result withCache = best.get(cached);
                Bench.Result without = best.get(uncached);
                Bench.notes.add(String.format(Locale.ROOT, "Inbound defences (DNSBL x2 + DNSWL, DBL, FCrDNS, HELO,"
                                + " sender domain, greylisting; all passing), %s: relay CPU %.2f ms/msg with the defences"
                                + " (DNS list answers cached: one client address, %s), %.2f with"
                                + " cache-size 0 (%s), %.2f without (+%.2f and +%.2f ms/msg);"
                                + " end-to-end %.0f/s, %.0f/s and %.0f/s; p99 delay %s, %s and %s ms",
                        scenario.name(), withCache.cpuMillisPerMessage(), cachedLookups, without.cpuMillisPerMessage(),
                        uncachedLookups, base.cpuMillisPerMessage(), withCache.cpuMillisPerMessage() - base.cpuMillisPerMessage(),
                        without.cpuMillisPerMessage() - base.cpuMillisPerMessage(), withCache.endToEndPerSecond(),
                        without.endToEndPerSecond(), base.endToEndPerSecond(), Bench.number(withCache.p99Millis(), 0),
                        Bench.number(without.p99Millis(), 0), Bench.number(base.p99Millis(), 0)));
            } finally {
                if (uncached != null) {
                    uncached.close();
                }
                cached.close();
            }
        }
        return results;
    }

    static Relay defencesRelay(String name, int port, int dnsPort, String cacheSize, int adminPort) throws Exception {
        return Relay.portcullis(name, "relay-defences.yaml", port, Map.of("PORT", String.valueOf(port),
                "DNS_PORT", String.valueOf(dnsPort), "CACHE_SIZE", cacheSize, "ADMIN_PORT", String.valueOf(adminPort)));
    }

    /**
     * smtp-source's one triplet (client network, bench@bench.test, user@example.test) through the
     * greylist: 451 4.7.1 first, then, past the 1 s delay, 250. Fails unless both come as expected
     * (and so also when a connect, HELO or MAIL check refused).
     */
    static void passGreylist(int port) throws Exception {
        String first = rcptReply(port);
        if (!first.startsWith("451 4.7.1")) {
            throw new IOException("greylisting on 127.0.0.1:" + port + ": expected 451 4.7.1 for a new triplet, got " + first);
        }
        Thread.sleep(1500);
        String second = rcptReply(port);
        if (!second.startsWith("250")) {
            throw new IOException("greylisting on 127.0.0.1:" + port + ": expected 250 after the delay, got " + second);
        }
    }

    /** The reply to RCPT TO:<user@example.test> (or the first refusal before it). */
    static String rcptReply(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            String reply = reply(in);
            for (String command : List.of("EHLO " + HELO, "MAIL FROM:<bench@bench.test>", "RCPT TO:<user@example.test>")) {
                if (!reply.startsWith("2")) {
                    return reply;
                }
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply = reply(in);
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply;
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line;
            }
        }
        return "(connection closed)";
    }

    /** DNS list queries (DNSBL and DBL) sent and messages received, over the relay's life (warm-up included). */
    static String lookupsPerMessage(int adminPort) throws Exception {
        String metrics = metrics(adminPort);
        double messages = sum(metrics, "portcullis_messages_received_total", "");
        return String.format(Locale.ROOT, "%.0f list queries for %.0f messages", sum(metrics, "portcullis_dnsbl_lookups_total", ""),
                messages);
    }

    /** Prints the relay's policy verdict counters and DNS list lookups, so a run shows the checks ran and passed. */
    static void showVerdicts(int adminPort) throws Exception {
        metrics(adminPort).lines().filter(line -> line.startsWith("portcullis_policy_verdicts_total")
                || line.startsWith("portcullis_dnsbl_lookups_total")).forEach(line -> System.out.println("   " + line));
    }

    static String metrics(int adminPort) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort
                + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of a counter family's samples whose labels contain {@code labels}. */
    static double sum(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)} ([0-9.eE+-]+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    // ---- outbound TLS

    private static String sessionCounts(Map<String, long[]> sessions) {
        List<String> parts = new ArrayList<>();
        sessions.forEach((level, seen) -> parts.add(level + " " + seen[0] + "/" + seen[1] + "/" + seen[2]));
        return String.join(", ", parts);
    }

    /**
     * One relay delivering through an mx connector to the JDK TLS sink, the TLS level chosen by
     * the recipient domain: none, may (opportunistic) and dane (DANE-EE TLSA on a signed zone,
     * validated by unbound). The certificate: RSA 2048, self-signed, made by keytool.
     */
    static List<Bench.Result> tls(boolean quick) throws Exception {
        Bench.Scenario scenario = new Bench.Scenario(20, 1024, quick ? 2000 : 8000);
        Bench.Scenario warmUp = new Bench.Scenario(20, 1024, quick ? 1000 : 4000);
        Path directory = Files.createDirectories(Bench.work.resolve("tls"));
        Path keystore = directory.resolve("sink.p12");
        Bench.run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "sink",
                "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA", "-dname", "CN=mx.tls.test",
                "-ext", "SAN=dns:mx.tls.test", "-validity", "30", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "benchpass", "-keypass", "benchpass");
        KeyStore keys = KeyStore.getInstance(keystore.toFile(), "benchpass".toCharArray());
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "benchpass".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        String spki = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(keys.getCertificate("sink").getPublicKey().getEncoded()));
        int sinkPort = BenchDns.freePort();
        String anchor = BenchDns.signZone(directory, "tls.test.", """
                none.tls.test. IN MX 10 mx.tls.test.
                may.tls.test. IN MX 10 mx.tls.test.
                dane.tls.test. IN MX 10 mx.tls.test.
                mx.tls.test. IN A 127.0.0.1
                _%d._tcp.mx.tls.test. IN TLSA 3 1 1 %s
                """.formatted(sinkPort, spki));
        List<Bench.Result> results = new ArrayList<>();
        Sink counting = Bench.sink;
        try (Sink tlsSink = Sink.tls(sinkPort, context); BenchDns nsd = BenchDns.nsd(directory, "tls.test.");
             BenchDns unbound = BenchDns.unbound(directory, "tls.test.", nsd.port, anchor);
             Relay relay = Relay.portcullis("portcullis+tls", "relay-tls.yaml", Bench.TLS_PORT, Map.of("PORT",
                     String.valueOf(Bench.TLS_PORT), "DNS_PORT", String.valueOf(unbound.port), "SINK_PORT",
                     String.valueOf(sinkPort), "ADMIN_PORT", String.valueOf(TLS_ADMIN_PORT)))) {
            Bench.sink = tlsSink;
            System.out.println("== " + scenario.name() + ", outbound TLS (JDK sink on 127.0.0.1:" + sinkPort
                    + ", NSD on " + nsd.port + ", unbound on " + unbound.port + ")");
            List<String> levels = List.of("none", "may", "dane");
            for (int round = 0; round < 2; round++) { // a new JVM: its TLS code is cold
                for (String level : levels) {
                    Bench.run(warmUp, relay, "portcullis tls=" + level, List.of(), "user@" + level + ".tls.test");
                }
            }
            Map<String, Bench.Result> best = new LinkedHashMap<>();
            // per level over both runs: connections and TLS handshakes the sink saw (the relay keeps
            // idle connections to a next hop for its next message, so a handshake serves many)
            Map<String, long[]> sessions = new LinkedHashMap<>();
            for (String level : List.of("none", "may", "dane", "dane", "may", "none")) {
                long connections = tlsSink.connections();
                long handshakes = tlsSink.handshakes();
                Bench.Result result = Bench.run(scenario, relay, "portcullis tls=" + level, List.of(), "user@" + level + ".tls.test");
                best.merge(level, result, (a, b) -> a.endToEndPerSecond() >= b.endToEndPerSecond() ? a : b);
                long[] seen = sessions.computeIfAbsent(level, l -> new long[3]);
                seen[0] += tlsSink.connections() - connections;
                seen[1] += tlsSink.handshakes() - handshakes;
                seen[2] += scenario.count();
            }
            results.addAll(best.values());
            String metrics = metrics(TLS_ADMIN_PORT);
            metrics.lines().filter(line -> line.startsWith("portcullis_delivery_tls_total"))
                    .forEach(line -> System.out.println("   " + line));
            Bench.Result none = best.get("none");
            Bench.Result may = best.get("may");
            Bench.Result dane = best.get("dane");
            Bench.notes.add(String.format(Locale.ROOT, "Outbound TLS (mx connector to a STARTTLS sink, RSA 2048), %s:"
                            + " relay CPU %.2f ms/msg plain, %.2f opportunistic (tls: may), %.2f DANE-verified (tls: dane;"
                            + " %.0f deliveries verified=dane); end-to-end %.0f/s, %.0f/s and %.0f/s; p99 delay %s, %s and %s ms;"
                            + " the sink saw %s (connections/TLS handshakes/messages); DNSSEC validation is unbound's CPU,"
                            + " not the relay's",
                    scenario.name(), none.cpuMillisPerMessage(), may.cpuMillisPerMessage(), dane.cpuMillisPerMessage(),
                    sum(metrics, "portcullis_delivery_tls_total", "verified=\"dane\""), none.endToEndPerSecond(),
                    may.endToEndPerSecond(), dane.endToEndPerSecond(), Bench.number(none.p99Millis(), 0),
                    Bench.number(may.p99Millis(), 0), Bench.number(dane.p99Millis(), 0), sessionCounts(sessions)));
        } finally {
            Bench.sink = counting;
        }
        return results;
    }
}
