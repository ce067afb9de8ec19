import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relay under test: Portcullis (its JVM, started from target/portcullis.jar) or a private
 * Postfix instance under the bench's temporary folder, with what the bench reads of each: its
 * processes, their CPU, and its log of deliveries (our tracking log, Postfix's maillog). A
 * {@link #group} is several Portcullis nodes behind a balancer ({@code --cluster}): its processes
 * are every node's JVM and the balancer's, its log every node's tracking log.
 */
final class Relay implements AutoCloseable {
    final String name;
    final int port;
    final Process process;          // Portcullis' JVM
    final Path postfixDirectory;    // Postfix's instance
    final Path log;
    /** For a group: its nodes (closed with it) and other processes counted with it (the balancer, not closed). */
    private List<Relay> members = List.of();
    private List<Process> helpers = List.of();
    /** For a group: each node's tracking lines at the last {@link #logSize()}, read by {@link #delaysSince}. */
    private final Map<Relay, Long> offsets = new HashMap<>();

    private Relay(String name, int port, Process process, Path postfixDirectory, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.postfixDirectory = postfixDirectory;
        this.log = log;
    }

    /**
     * Nodes behind a balancer listening on {@code port}: CPU and memory are the nodes' and the
     * helpers' (the balancer), delays come from every node's tracking log. Closing it stops
     * nothing: whoever started the nodes and the balancer stops them.
     */
    static Relay group(String name, int port, List<Relay> nodes, List<Process> helpers) {
        Relay group = new Relay(name, port, null, null, null);
        group.members = List.copyOf(nodes);
        group.helpers = List.copyOf(helpers);
        return group;
    }

    static Relay portcullis(String name, String config, int port) throws Exception {
        return portcullis(name, config, port, Map.of());
    }

    /**
     * Portcullis with bench/{@code config}, its {@code @KEY@} placeholders replaced by {@code values}
     * (ports the bench chose) in a copy under the bench's temporary folder.
     */
    static Relay portcullis(String name, String config, int port, Map<String, String> values) throws Exception {
        Path data = Files.createDirectories(Bench.work.resolve(name + "-data"));
        Path file = Bench.root.resolve("bench/" + config);
        if (!values.isEmpty()) {
            String text = Files.readString(file);
            for (Map.Entry<String, String> value : values.entrySet()) {
                text = text.replace("@" + value.getKey() + "@", value.getValue());
            }
            file = Files.writeString(Bench.work.resolve(name + ".yaml"), text);
        }
        // bin/portcullis execs the JVM with the launcher's defaults (and PORTCULLIS_JAVA_OPTS), so the
        // process measured is the one a user runs.
        List<String> command = List.of(Bench.root.resolve("bin/portcullis").toString(), "run", "--config",
                file.toString(), "--data-dir", data.toString());
        Process process = Bench.start(command, Bench.work.resolve(name + ".log"));
        try {
            Bench.awaitPort(port, process);
        } catch (IOException e) {
            process.destroy();
            throw new IOException(e.getMessage() + ": " + Files.readString(Bench.work.resolve(name + ".log")), e);
        }
        return new Relay(name, port, process, null, data.resolve("tracking"));
    }

    static Relay postfix() throws Exception {
        Path directory = Bench.work.resolve("postfix");
        for (String sub : List.of("etc", "queue", "data")) {
            Files.createDirectories(directory.resolve(sub));
        }
        Bench.run("chmod", "755", Bench.work.toString(), directory.toString()); // Postfix's daemons must reach the queue
        Bench.run("chown", "postfix", directory.resolve("data").toString());
        String master = Files.readString(Path.of("/etc/postfix/master.cf"))
                .replaceFirst("(?m)^smtp\\s+inet.*$", "127.0.0.1:" + Bench.POSTFIX_PORT + " inet n - n - - smtpd");
        Files.writeString(directory.resolve("etc/master.cf"), master);
        Files.write(directory.resolve("etc/main.cf"), List.of(
                "compatibility_level = 3.6",
                "queue_directory = " + directory.resolve("queue"),
                "data_directory = " + directory.resolve("data"),
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "myhostname = relay.bench.test",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mydestination =",
                "mynetworks = 127.0.0.0/8",
                "relay_domains = example.test",
                "relayhost = [127.0.0.1]:" + Bench.SINK_PORT,
                "smtpd_relay_restrictions = permit_mynetworks, reject",
                "smtp_dns_support_level = disabled",
                "default_process_limit = 200",  // 100 sessions get 100 smtpd processes
                "maillog_file = " + directory.resolve("maillog"),
                "maillog_file_prefixes = " + directory,
                "alias_maps =",
                "alias_database ="));
        try {
            Bench.run("postfix", "-c", directory.resolve("etc").toString(), "start");
        } catch (IOException e) {
            Path maillog = directory.resolve("maillog");
            throw new IOException(e.getMessage() + (Files.exists(maillog) ? Files.readString(maillog) : ""), e);
        }
        Bench.awaitPort(Bench.POSTFIX_PORT);
        return new Relay("postfix", Bench.POSTFIX_PORT, null, directory, directory.resolve("maillog"));
    }

    long masterPid() throws IOException {
        return Long.parseLong(Files.readString(postfixDirectory.resolve("queue/pid/master.pid")).strip());
    }

    /** The relay's processes: the JVM, or Postfix's master and everything under it. */
    List<Long> pids() throws IOException {
        if (!members.isEmpty()) {
            List<Long> pids = new ArrayList<>();
            for (Relay member : members) {
                pids.addAll(member.pids());
            }
            helpers.forEach(helper -> pids.add(helper.pid()));
            return pids;
        }
        if (process != null) {
            return List.of(process.pid());
        }
        long master = masterPid();
        List<Long> pids = new ArrayList<>(List.of(master));
        ProcessHandle.of(master).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        return pids;
    }

    /** CPU used so far: live processes' user + system time, plus the reaped children the master waited for. */
    long cpuTicks() throws IOException {
        if (!members.isEmpty()) {
            long ticks = 0;
            for (Relay member : members) {
                ticks += member.cpuTicks();
            }
            for (Process helper : helpers) {
                long[] stat = ProcessStats.stat(helper.pid());
                ticks += stat == null ? 0 : stat[0] + stat[1];
            }
            return ticks;
        }
        long ticks = 0;
        List<Long> pids = pids();
        for (long pid : pids) {
            long[] stat = ProcessStats.stat(pid);
            if (stat != null) {
                ticks += stat[0] + stat[1] + (pid == pids.getFirst() ? stat[2] + stat[3] : 0);
            }
        }
        return ticks;
    }

    long logSize() throws IOException {
        if (!members.isEmpty()) {
            for (Relay member : members) {
                offsets.put(member, member.logSize());
            }
            return 0;
        }
        if (process == null) {
            return Files.exists(log) ? Files.size(log) : 0;
        }
        long lines = 0;
        for (Path file : trackingFiles()) {
            lines += Files.readAllLines(file).size();
        }
        return lines;
    }

    List<Path> trackingFiles() throws IOException {
        if (!Files.isDirectory(log)) {
            return List.of();
        }
        try (var files = Files.list(log)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    /** Arrival-to-delivery delays in ms of the messages delivered since the offset. */
    List<Double> delaysSince(long offset) throws IOException {
        List<Double> delays = new ArrayList<>();
        if (!members.isEmpty()) {
            for (Relay member : members) {
                delays.addAll(member.delaysSince(offsets.getOrDefault(member, 0L)));
            }
            return delays;
        }
        if (process == null) {
            String text = Files.readString(log).substring((int) offset);
            Matcher m = Pattern.compile("postfix/(?:\\w+/)*smtp\\[\\d+]: \\w+: to=<[^>]*>.*?, delay=([\\d.]+),.*status=sent").matcher(text);
            while (m.find()) {
                delays.add(Double.parseDouble(m.group(1)) * 1000);
            }
            return delays;
        }
        List<String> lines = new ArrayList<>();
        for (Path file : trackingFiles()) {
            lines.addAll(Files.readAllLines(file));
        }
        Map<String, Instant> received = new HashMap<>();
        Pattern event = Pattern.compile("\"time\":\"([^\"]+)\",\"event\":\"(RECEIVE|DELIVER)\",\"queueId\":\"([^\"]+)\"");
        for (String line : lines.subList((int) Math.min(offset, lines.size()), lines.size())) {
            Matcher m = event.matcher(line);
            if (!m.find()) {
                continue;
            }
            Instant time = Instant.parse(m.group(1));
            if (m.group(2).equals("RECEIVE")) {
                received.put(m.group(3), time);
            } else if (received.containsKey(m.group(3))) {
                delays.add(Duration.between(received.get(m.group(3)), time).toNanos() / 1e6);
            }
        }
        return delays;
    }

    @Override
    public void close() throws Exception {
        if (!members.isEmpty()) {
            return;
        }
        if (process != null) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        } else {
            Bench.run("postfix", "-c", postfixDirectory.resolve("etc").toString(), "stop");
        }
    }
}

