import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark behind bench/run. Each scenario (sessions x body size) runs three relays in turn:
 * the raw ceiling (smtp-source straight into smtp-sink), Portcullis (bench/relay.yaml) and a
 * private Postfix instance with its defaults (fsync before 250 included), all on loopback. Each
 * relay runs twice per scenario (A B B A) and its better run counts, so drift on a noisy machine,
 * and the writeback one relay leaves for the next, hit both relays alike.
 *
 * <p>Per run: acceptance throughput (smtp-source has every 250), end-to-end throughput (smtp-sink
 * has counted every message), p50/p99 arrival-to-delivery delay (our
 * tracking log; Postfix's maillog delay=), CPU milliseconds per message of the relay's processes
 * (/proc, exited Postfix children through the master's cutime/cstime), and peak RSS and PSS of
 * the relay's process tree, sampled every 250 ms.
 *
 * <p>Optional scenarios ({@link Extras}): {@code --defences} (the inbound policy checks on, all
 * passing) and {@code --tls} (outbound delivery plain, opportunistic and DANE-verified to a TLS
 * sink) and {@code --cluster} (one node against two behind HAProxy, the shared stores in Redis and
 * PostgreSQL on: {@link Cluster}), each against its own baseline; {@code --only} runs just those.
 */
public class Bench {
    record Scenario(int sessions, int size, int count) {
        String name() {
            return sessions + " sessions, " + (size >= 1024 ? size / 1024 + " KB" : size + " B");
        }
    }

    record Result(Scenario scenario, String relay, int count, double acceptPerSecond, double endToEndPerSecond,
                  double p50Millis, double p99Millis, double cpuMillisPerMessage, long peakRssKb, long peakPssKb) {
    }

    static final int SINK_PORT = 10026;
    static final int PORTCULLIS_PORT = 2525;
    static final int POSTFIX_PORT = 2526;
    static final int RULES_PORT = 2527;
    static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    static final int DEFENCES_PORT = 2528;
    static final int DEFENCES_UNCACHED_PORT = 2529;
    static final int TLS_PORT = 2530;

    static Path root;
    static Sink sink;
    /** Mean time of one run of the inbound rules check, from the gateway's own timer. */
    static double chainMillis = Double.NaN;
    static Path work;
    /** Sentences printed after the tables (and written to the JSON): what each extra scenario cost. */
    static final List<String> notes = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        root = Path.of(args[0]);
        boolean quick = List.of(args).contains("--quick");
        boolean defences = List.of(args).contains("--defences");
        boolean tls = List.of(args).contains("--tls");
        boolean cluster = List.of(args).contains("--cluster");
        // --only: the extra scenarios named (--defences, --tls, --cluster) with their own baselines, nothing else
        boolean only = List.of(args).contains("--only");
        if (only && !defences && !tls && !cluster) {
            throw new IllegalArgumentException("--only needs --defences, --tls or --cluster");
        }
        work = Files.createTempDirectory("portcullis-bench");
        List<Result> results = new ArrayList<>();
        List<Result> matrix = new ArrayList<>();
        ProcessStats.IdleResult idle = null;
        Sink counting = new Sink();
        sink = counting;
        try (counting; Relay portcullis = Relay.portcullis("portcullis", "relay.yaml", PORTCULLIS_PORT);
             Relay postfix = only ? null : Relay.postfix()) {
            if (only) {
                System.out.println("warming up Portcullis ...");
                for (int round = 0; round < (quick ? 2 : 5); round++) {
                    run(new Scenario(20, 1024, quick ? 2000 : 5000), portcullis);
                }
            } else {
                matrix.addAll(matrix(portcullis, postfix, quick));
                results.addAll(matrix);
                results.addAll(chain(portcullis));
                idle = ProcessStats.idleConnections(portcullis, 10_000);
            }
            if (defences) {
                results.addAll(Extras.defences(portcullis, quick));
            }
            if (tls) {
                results.addAll(Extras.tls(quick));
            }
            if (cluster) {
                results.addAll(Cluster.cluster(portcullis, quick));
            }
            print(results, matrix, idle);
            write(results, idle);
        }
    }

    /** Every scenario: the raw ceiling, then Portcullis and Postfix (the better of two runs each). */
    static List<Result> matrix(Relay portcullis, Relay postfix, boolean quick) throws Exception {
        List<Scenario> scenarios = quick ? List.of(new Scenario(20, 1024, 8000)) : List.of(
                new Scenario(1, 1024, 1500), new Scenario(20, 1024, 8000), new Scenario(100, 1024, 8000),
                new Scenario(1, 10 * 1024, 1500), new Scenario(20, 10 * 1024, 6000), new Scenario(100, 10 * 1024, 6000),
                new Scenario(1, 100 * 1024, 600), new Scenario(20, 100 * 1024, 2000), new Scenario(100, 100 * 1024, 2000));
        List<Result> results = new ArrayList<>();
        // The JVM keeps compiling its hot paths for tens of thousands of messages when both cores
        // are busy (its compiler threads compete with the load), so the warm-up is long.
        System.out.println("warming up both relays (the JVM compiles its hot paths; Postfix fills its caches) ...");
        for (int round = 0; round < 5; round++) {
            run(new Scenario(20, 1024, 5000), portcullis);
            run(new Scenario(20, 1024, 5000), postfix);
        }
        for (int i = 0; i < scenarios.size(); i++) {
            Scenario scenario = scenarios.get(i);
            System.out.println("== " + scenario.name() + ", " + scenario.count() + " messages");
            results.add(run(scenario, null));
            // Each relay twice, in the order A B B A, and the better run of each counts: a run
            // right after the other relay's suffers its writeback, and this way both relays
            // have one run in each position.
            List<Relay> order = i % 2 == 0 ? List.of(portcullis, postfix) : List.of(postfix, portcullis);
            Map<Relay, Result> best = new java.util.LinkedHashMap<>();
            for (Relay relay : List.of(order.get(0), order.get(1), order.get(1), order.get(0))) {
                Result result = run(scenario, relay);
                best.merge(relay, result, (a, b) -> a.endToEndPerSecond() >= b.endToEndPerSecond() ? a : b);
            }
            results.addAll(best.values());
        }
        return results;
    }

    /** The cost of the inbound content chain (built-in rules only), on a relay of its own. */
    static List<Result> chain(Relay portcullis) throws Exception {
        Scenario chain = new Scenario(20, 1024, 8000);
        try (Relay rules = Relay.portcullis("portcullis+rules", "relay-rules.yaml", RULES_PORT)) {
            System.out.println("== " + chain.name() + ", inbound chain of built-in rules");
            run(new Scenario(20, 1024, 5000), rules);
            run(new Scenario(20, 1024, 5000), rules);
            Result plain = run(chain, portcullis);
            Result chained = run(chain, rules);
            chainMillis = chainTimerMillis();
            notes.add(String.format(Locale.ROOT, "Inbound chain (built-in rules), %s: the check takes %.3f ms per"
                            + " message (its own timer, wall time); relay CPU %.2f ms/msg with the chain, %.2f without;"
                            + " end-to-end %.0f/s with, %.0f/s without", chained.scenario().name(), chainMillis,
                    chained.cpuMillisPerMessage(), plain.cpuMillisPerMessage(), chained.endToEndPerSecond(),
                    plain.endToEndPerSecond()));
            return List.of(plain, chained);
        }
    }

    /** One run through {@code relay}, or the raw ceiling when it is null. */
    static Result run(Scenario scenario, Relay relay) throws Exception {
        return run(scenario, relay, relay == null ? "raw" : relay.name, List.of(), "user@example.test");
    }

    /**
     * One run through {@code relay} named {@code name} in the results, smtp-source given {@code
     * options} (e.g. -M helo-name) and sending to {@code recipient}.
     */
    static Result run(Scenario scenario, Relay relay, String name, List<String> options, String recipient) throws Exception {
        // Let the previous run's file work reach the disk first, so one relay's writeback does not
        // land in the other's measurement.
        run("sync");
        Thread.sleep(2000);
        long sunkBefore = sink.messages();
        long logOffset = relay == null ? 0 : relay.logSize();
        long cpuBefore = relay == null ? 0 : relay.cpuTicks();
        ProcessStats.MemorySampler memory = new ProcessStats.MemorySampler(relay);
        Thread sampler = Thread.ofPlatform().daemon().start(memory);
        int port = relay == null ? SINK_PORT : relay.port;
        long start = System.nanoTime();
        List<String> command = new ArrayList<>(List.of("smtp-source", "-s", String.valueOf(scenario.sessions()), "-m",
                String.valueOf(scenario.count()), "-l", String.valueOf(scenario.size()), "-f", "bench@bench.test",
                "-t", recipient));
        command.addAll(options);
        command.add("127.0.0.1:" + port);
        Process source = start(command, work.resolve("source.log"));
        if (!source.waitFor(20, TimeUnit.MINUTES) || source.exitValue() != 0) {
            throw new IOException("smtp-source failed: " + Files.readString(work.resolve("source.log")));
        }
        double accepted = (System.nanoTime() - start) / 1e9;
        sink.awaitMessages(sunkBefore + scenario.count(), Duration.ofMinutes(20));
        double delivered = (System.nanoTime() - start) / 1e9;
        memory.stop = true;
        sampler.join();
        long cpuTicks = relay == null ? 0 : relay.cpuTicks() - cpuBefore;
        Thread.sleep(1500); // the tracking log is flushed every 200 ms; Postfix's log goes through postlogd
        List<Double> delays = relay == null ? List.of() : relay.delaysSince(logOffset);
        Result result = new Result(scenario, name, scenario.count(), scenario.count() / accepted,
                scenario.count() / delivered, percentile(delays, 0.50), percentile(delays, 0.99),
                relay == null ? 0 : cpuTicks * 1000.0 / TICKS_PER_SECOND / scenario.count(), memory.peakRss, memory.peakPss);
        System.out.printf(Locale.ROOT, "   %-20s accept %7.0f/s  end-to-end %7.0f/s  p50 %6.0f ms  p99 %6.0f ms  cpu %5.2f ms/msg"
                        + "  rss %6d MB  pss %6d MB%n", name, result.acceptPerSecond(), result.endToEndPerSecond(),
                result.p50Millis(), result.p99Millis(), result.cpuMillisPerMessage(), result.peakRssKb() / 1024,
                result.peakPssKb() / 1024);
        return result;
    }

    /** portcullis_content_check_duration_seconds sum / count of the rules relay, in ms. */
    static double chainTimerMillis() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        String metrics = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:8026/metrics"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Matcher sum = Pattern.compile("portcullis_content_check_duration_seconds_sum\\{[^}]*} ([0-9.eE+-]+)").matcher(metrics);
        Matcher count = Pattern.compile("portcullis_content_check_duration_seconds_count\\{[^}]*} ([0-9.eE+-]+)").matcher(metrics);
        return sum.find() && count.find() ? Double.parseDouble(sum.group(1)) * 1000 / Double.parseDouble(count.group(1)) : Double.NaN;
    }

    static double percentile(List<Double> values, double fraction) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(fraction * sorted.size()) - 1));
    }

    // ---- output

    static void print(List<Result> results, List<Result> matrix, ProcessStats.IdleResult idle) {
        System.out.println();
        System.out.println("| scenario | relay | accepted/s | end-to-end/s | p50 delay ms | p99 delay ms | CPU ms/msg | peak RSS MB | peak PSS MB |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s |%n", r.scenario().name(), r.relay(),
                    r.acceptPerSecond(), r.endToEndPerSecond(), number(r.p50Millis(), 0), number(r.p99Millis(), 0),
                    r.relay().equals("raw") ? "" : number(r.cpuMillisPerMessage(), 2),
                    r.relay().equals("raw") ? "" : String.valueOf(r.peakRssKb() / 1024),
                    r.relay().equals("raw") ? "" : String.valueOf(r.peakPssKb() / 1024));
        }
        if (!matrix.isEmpty()) {
            printComparison(matrix);
        }
        for (String note : notes) {
            System.out.printf("%n%s%n", note);
        }
        if (idle != null) {
            System.out.printf(Locale.ROOT, "%nIdle: %d connections held: Portcullis RSS %d MB (PSS %d MB, %d MB before); "
                            + "a new client's message accepted in %.1f ms%n", idle.connections(), idle.rssHeldKb() / 1024,
                    idle.pssHeldKb() / 1024, idle.rssBeforeKb() / 1024, idle.newClientMillis());
        }
    }

    /** Portcullis against Postfix and the raw ceiling, per scenario of the matrix (raw, then both relays). */
    static void printComparison(List<Result> results) {
        System.out.println();
        System.out.println("| scenario | end-to-end Portcullis/Postfix | Portcullis/raw ceiling | CPU Postfix/Portcullis | p99 Portcullis ms | p99 Postfix ms | PSS Postfix/Portcullis |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        List<Result> triples = results.subList(0, results.size() - results.size() % 3);
        for (int i = 0; i < triples.size(); i += 3) {
            Result raw = triples.get(i);
            Result ours = triples.get(i + 1).relay().equals("portcullis") ? triples.get(i + 1) : triples.get(i + 2);
            Result theirs = triples.get(i + 1).relay().equals("postfix") ? triples.get(i + 1) : triples.get(i + 2);
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s | %s | %.2f |%n", raw.scenario().name(),
                    ours.endToEndPerSecond() / theirs.endToEndPerSecond(), ours.endToEndPerSecond() / raw.endToEndPerSecond(),
                    theirs.cpuMillisPerMessage() / ours.cpuMillisPerMessage(), number(ours.p99Millis(), 0),
                    number(theirs.p99Millis(), 0), (double) theirs.peakPssKb() / ours.peakPssKb());
        }
    }

    static String number(double value, int decimals) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    static void write(List<Result> results, ProcessStats.IdleResult idle) throws IOException {
        Path directory = Files.createDirectories(root.resolve("bench/results"));
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        StringBuilder csv = new StringBuilder("sessions,size,count,relay,accept_per_s,end_to_end_per_s,p50_ms,p99_ms,cpu_ms_per_msg,peak_rss_kb,peak_pss_kb\n");
        StringBuilder json = new StringBuilder("{\n  \"machine\": {\"cores\": " + Runtime.getRuntime().availableProcessors()
                + "},\n  \"runs\": [\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            csv.append(String.format(Locale.ROOT, "%d,%d,%d,%s,%.1f,%.1f,%.1f,%.1f,%.3f,%d,%d%n", r.scenario().sessions(),
                    r.scenario().size(), r.count(), r.relay(), r.acceptPerSecond(), r.endToEndPerSecond(), r.p50Millis(),
                    r.p99Millis(), r.cpuMillisPerMessage(), r.peakRssKb(), r.peakPssKb()));
            json.append(String.format(Locale.ROOT, "    {\"sessions\": %d, \"size\": %d, \"count\": %d, \"relay\": \"%s\", "
                            + "\"accept_per_s\": %.1f, \"end_to_end_per_s\": %.1f, \"p50_ms\": %s, \"p99_ms\": %s, "
                            + "\"cpu_ms_per_msg\": %.3f, \"peak_rss_kb\": %d, \"peak_pss_kb\": %d}%s%n",
                    r.scenario().sessions(), r.scenario().size(), r.count(), r.relay(), r.acceptPerSecond(),
                    r.endToEndPerSecond(), jsonNumber(r.p50Millis()), jsonNumber(r.p99Millis()), r.cpuMillisPerMessage(),
                    r.peakRssKb(), r.peakPssKb(), i == results.size() - 1 ? "" : ","));
        }
        json.append(String.format(Locale.ROOT, "  ],%n  \"rules_chain_ms_per_message\": %s,%n",
                Double.isNaN(chainMillis) ? "null" : String.format(Locale.ROOT, "%.4f", chainMillis)));
        json.append("  \"notes\": [");
        for (int i = 0; i < notes.size(); i++) {
            json.append(i == 0 ? "\n    \"" : ",\n    \"").append(notes.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        json.append(notes.isEmpty() ? "],\n" : "\n  ],\n");
        json.append(idle == null ? "  \"idle\": null\n}\n" : String.format(Locale.ROOT, "  \"idle\": {\"connections\": %d, "
                        + "\"rss_before_kb\": %d, \"rss_held_kb\": %d, \"pss_held_kb\": %d, \"new_client_ms\": %.1f}%n}%n",
                idle.connections(), idle.rssBeforeKb(), idle.rssHeldKb(), idle.pssHeldKb(), idle.newClientMillis()));
        Files.writeString(directory.resolve("results-" + stamp + ".csv"), csv);
        Files.writeString(directory.resolve("results-" + stamp + ".json"), json);
        System.out.println("\nwritten: bench/results/results-" + stamp + ".csv and .json");
    }

    static String jsonNumber(double value) {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.1f", value);
    }

    // ---- processes

    static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    static void awaitPort(int port) throws Exception {
        awaitPort(port, null);
    }

    /** Waits for a listener on 127.0.0.1:port; fails at once when {@code process} (if any) has exited. */
    static void awaitPort(int port, Process process) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (process != null && !process.isAlive()) {
                throw new IOException("the process meant to listen on 127.0.0.1:" + port + " exited");
            }
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("nothing listens on 127.0.0.1:" + port);
    }

}
