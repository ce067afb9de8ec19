import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code --cluster} scenario of bench/run (issue 17): one node against two nodes behind
 * HAProxy, with the shared stores on in both. Two Portcullis nodes (bench/relay-cluster.yaml:
 * node-id a and b, each its own data directory and spool, PROXY v2 from 127.0.0.1, the per-IP and
 * per-user rate limits in Redis set too high to refuse, tracking to PostgreSQL), one HAProxy with
 * two frontends: "one" forwards to node a alone, "two" to both (leastconn, send-proxy-v2). Redis
 * (no persistence) and PostgreSQL (initdb in a temporary directory, its defaults: fsync on) are
 * started here on loopback ports and stopped at the end; nothing of the system's services is
 * touched. The relay measured is every node's JVM plus HAProxy; what Redis and PostgreSQL used is
 * reported beside it.
 */
final class Cluster {
    static final int ONE_PORT = 2531;
    static final int TWO_PORT = 2532;
    static final int NODE_A_PORT = 2533;
    static final int NODE_B_PORT = 2534;

    private Cluster() {
    }

    static List<Bench.Result> cluster(Relay plain, boolean quick) throws Exception {
        Bench.Scenario scenario = new Bench.Scenario(20, 1024, quick ? 2000 : 8000);
        Bench.Scenario warmUp = new Bench.Scenario(20, 1024, quick ? 2000 : 5000);
        List<Bench.Result> results = new ArrayList<>();
        loadAverage = Files.readString(Path.of("/proc/loadavg")).strip();
        try (Redis redis = Redis.start(); Postgres postgres = Postgres.start()) {
            System.out.println("== " + scenario.name() + ", one node and two nodes behind HAProxy (Redis on 127.0.0.1:"
                    + redis.port + ", PostgreSQL on 127.0.0.1:" + postgres.port + ")");
            Relay a = null;
            Relay b = null;
            Process haproxy = null;
            try {
                a = node("a", NODE_A_PORT, redis, postgres);
                b = node("b", NODE_B_PORT, redis, postgres); // after a: a has migrated the schema
                haproxy = haproxy();
                Relay one = Relay.group("cluster 1 node", ONE_PORT, List.of(a), List.of(haproxy));
                Relay two = Relay.group("cluster 2 nodes", TWO_PORT, List.of(a, b), List.of(haproxy));
                for (int round = 0; round < 2; round++) { // both JVMs are new: their hot paths are cold
                    Bench.run(warmUp, two);
                }
                Map<Relay, Bench.Result> best = new LinkedHashMap<>();
                Map<Relay, long[]> stores = new LinkedHashMap<>(); // Redis ticks, PostgreSQL ticks, messages
                for (Relay relay : List.of(plain, one, two, two, one, plain)) {
                    long redisTicks = redis.cpuTicks();
                    long postgresTicks = postgres.cpuTicks();
                    Bench.Result result = Bench.run(scenario, relay);
                    long[] used = stores.computeIfAbsent(relay, r -> new long[3]);
                    used[0] += redis.cpuTicks() - redisTicks;
                    used[1] += postgres.cpuTicks() - postgresTicks;
                    used[2] += scenario.count();
                    best.merge(relay, result, (x, y) -> x.endToEndPerSecond() >= y.endToEndPerSecond() ? x : y);
                }
                results.addAll(best.values());
                Bench.Result base = best.get(plain);
                Bench.Result single = best.get(one);
                Bench.Result pair = best.get(two);
                String failures = String.format(Locale.ROOT, "%.0f", sharedStateFailures(8030) + sharedStateFailures(8031));
                Bench.notes.add(String.format(Locale.ROOT, "Cluster (HAProxy send-proxy-v2 in front; per-IP and per-user rate"
                                + " limits in Redis, set too high to refuse; tracking to PostgreSQL; each node its own data"
                                + " directory and spool), %s: two nodes / one node end-to-end %.2f (%.0f/s and %.0f/s),"
                                + " accepted %.2f (%.0f/s and %.0f/s); CPU ms/msg of the relay (the nodes' JVMs + HAProxy)"
                                + " %.2f with two nodes, %.2f with one, %.2f for the plain relay alone (no balancer, no"
                                + " shared stores, %.0f/s); beside it Redis used %s and %s ms/msg and PostgreSQL %s and %s"
                                + " ms/msg (one, two nodes); %s tracking events in PostgreSQL, %s Redis commands, %s shared-state"
                                + " failures; load average before the runs %s",
                        scenario.name(), pair.endToEndPerSecond() / single.endToEndPerSecond(), pair.endToEndPerSecond(),
                        single.endToEndPerSecond(), pair.acceptPerSecond() / single.acceptPerSecond(), pair.acceptPerSecond(),
                        single.acceptPerSecond(), pair.cpuMillisPerMessage(), single.cpuMillisPerMessage(),
                        base.cpuMillisPerMessage(), base.endToEndPerSecond(), perMessage(stores.get(one), 0),
                        perMessage(stores.get(two), 0), perMessage(stores.get(one), 1), perMessage(stores.get(two), 1),
                        postgres.query("SELECT count(*) FROM tracking_events"), redis.info("total_commands_processed"),
                        failures, loadAverage));
            } finally {
                if (haproxy != null) {
                    haproxy.destroy();
                    haproxy.waitFor(10, TimeUnit.SECONDS);
                }
                for (Relay node : new Relay[] {a, b}) {
                    if (node != null) {
                        node.close();
                    }
                }
            }
        }
        return results;
    }

    /** /proc/loadavg when the scenario began (the machine is shared: the figures depend on it). */
    static String loadAverage = "n/a";

    static String perMessage(long[] used, int index) {
        return String.format(Locale.ROOT, "%.2f", used[index] * 1000.0 / Bench.TICKS_PER_SECOND / used[2]);
    }

    static Relay node(String node, int port, Redis redis, Postgres postgres) throws Exception {
        return Relay.portcullis("portcullis-node-" + node, "relay-cluster.yaml", port, Map.of("NODE", node, "PORT",
                String.valueOf(port), "ADMIN_PORT", String.valueOf(node.equals("a") ? 8030 : 8031), "REDIS_PORT",
                String.valueOf(redis.port), "PG_PORT", String.valueOf(postgres.port)));
    }

    static double sharedStateFailures(int adminPort) throws Exception {
        return Extras.sum(Extras.metrics(adminPort), "portcullis_shared_state_failures_total", "");
    }

    /** HAProxy in the foreground: frontend "one" to node a alone, "two" to both nodes; PROXY v2 to each. */
    static Process haproxy() throws Exception {
        Path directory = Files.createDirectories(Bench.work.resolve("haproxy"));
        Path config = Files.writeString(directory.resolve("haproxy.cfg"), """
                global
                    maxconn 4000
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 11m
                    timeout server 11m
                frontend one
                    bind 127.0.0.1:%1$d
                    default_backend one
                backend one
                    server a 127.0.0.1:%3$d send-proxy-v2
                frontend two
                    bind 127.0.0.1:%2$d
                    default_backend two
                backend two
                    balance leastconn
                    server a 127.0.0.1:%3$d send-proxy-v2
                    server b 127.0.0.1:%4$d send-proxy-v2
                """.formatted(ONE_PORT, TWO_PORT, NODE_A_PORT, NODE_B_PORT));
        Process process = Bench.start(List.of("haproxy", "-db", "-f", config.toString()), directory.resolve("haproxy.log"));
        try {
            Bench.awaitPort(ONE_PORT, process);
            Bench.awaitPort(TWO_PORT, process);
        } catch (IOException e) {
            process.destroy();
            throw new IOException(e.getMessage() + ": " + Files.readString(directory.resolve("haproxy.log")), e);
        }
        return process;
    }

    // ---- the shared stores, on loopback with temporary directories

    /** redis-server in the foreground, no persistence. */
    static final class Redis implements AutoCloseable {
        final int port;
        final Process process;
        final Path directory;

        private Redis(int port, Process process, Path directory) {
            this.port = port;
            this.process = process;
            this.directory = directory;
        }

        static Redis start() throws Exception {
            Path directory = Files.createTempDirectory("portcullis-bench-redis");
            int port = BenchDns.freePort();
            Process process = Bench.start(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", directory.toString(), "--daemonize", "no"),
                    directory.resolve("redis.log"));
            Redis redis = new Redis(port, process, directory);
            try {
                Bench.awaitPort(port, process);
            } catch (IOException e) {
                redis.close();
                throw e;
            }
            return redis;
        }

        long cpuTicks() {
            long[] stat = ProcessStats.stat(process.pid());
            return stat == null ? 0 : stat[0] + stat[1];
        }

        /** One field of INFO (e.g. total_commands_processed), asked over RESP. */
        String info(String field) throws IOException {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write("*1\r\n$4\r\nINFO\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder header = new StringBuilder();
                for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                    header.append((char) c);
                }
                int length = Integer.parseInt(header.toString().strip().substring(1));
                String text = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                return text.lines().filter(line -> line.startsWith(field + ":")).map(line -> line.substring(field.length() + 1))
                        .findFirst().orElse("n/a");
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            delete(directory);
        }
    }

    /**
     * PostgreSQL: initdb into a temporary directory (trust authentication for the role portcullis),
     * then pg_ctl start on a loopback port with its defaults otherwise (fsync and synchronous_commit
     * on). As root (bench/run runs as root) the programs run as the postgres user through setpriv.
     */
    static final class Postgres implements AutoCloseable {
        final int port;
        final Path directory;
        final Path data;
        final Path bin;

        private Postgres(int port, Path directory, Path bin) {
            this.port = port;
            this.directory = directory;
            this.data = directory.resolve("data");
            this.bin = bin;
        }

        static Postgres start() throws Exception {
            Path bin;
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                bin = versions.map(v -> v.resolve("bin")).filter(v -> Files.isExecutable(v.resolve("initdb")))
                        .max(Comparator.comparing(v -> v.getParent().getFileName().toString().matches("\\d+")
                                ? Integer.parseInt(v.getParent().getFileName().toString()) : 0))
                        .orElseThrow(() -> new IOException("PostgreSQL's initdb is not installed under /usr/lib/postgresql"));
            }
            Path directory = Files.createTempDirectory("portcullis-bench-postgres");
            Postgres postgres = new Postgres(BenchDns.freePort(), directory, bin);
            try {
                if (root()) {
                    Bench.run("chown", "-R", "postgres:postgres", directory.toString());
                }
                postgres.run(bin.resolve("initdb").toString(), "-D", postgres.data.toString(), "-U", "portcullis",
                        "--auth=trust", "-E", "UTF8", "--locale=C");
                postgres.run(bin.resolve("pg_ctl").toString(), "-D", postgres.data.toString(), "-o", "-p " + postgres.port
                        + " -k " + directory + " -c listen_addresses=127.0.0.1", "-l", directory.resolve("pg.log").toString(),
                        "-w", "-t", "60", "start");
            } catch (IOException e) {
                postgres.close();
                throw e;
            }
            return postgres;
        }

        private static boolean root() {
            return "root".equals(System.getProperty("user.name"));
        }

        private void run(String... command) throws Exception {
            List<String> full = new ArrayList<>();
            if (root()) {
                full.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"));
            }
            full.addAll(List.of(command));
            Bench.run(full.toArray(String[]::new));
        }

        /** The postmaster, its live children, and the children it reaped. */
        long cpuTicks() throws IOException {
            Path pidFile = data.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return 0;
            }
            long postmaster = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
            long ticks = 0;
            long[] own = ProcessStats.stat(postmaster);
            if (own != null) {
                ticks += own[0] + own[1] + own[2] + own[3];
            }
            for (ProcessHandle child : ProcessHandle.of(postmaster).map(h -> h.children().toList()).orElse(List.of())) {
                long[] stat = ProcessStats.stat(child.pid());
                ticks += stat == null ? 0 : stat[0] + stat[1];
            }
            return ticks;
        }

        /** One value, by psql over TCP (trust authentication). */
        String query(String sql) {
            try {
                Process psql = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                        "-U", "portcullis", "-d", "postgres", "-X", "-A", "-t", "-c", sql).redirectErrorStream(true).start();
                String output = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                return psql.waitFor(30, TimeUnit.SECONDS) && psql.exitValue() == 0 ? output : "n/a (" + output + ")";
            } catch (IOException | InterruptedException e) {
                return "n/a (" + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws Exception {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
            }
            delete(directory);
        }
    }

    static void delete(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
