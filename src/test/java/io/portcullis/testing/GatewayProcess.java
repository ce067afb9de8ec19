package io.portcullis.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The gateway as a separate JVM, started with this test's class path, so a test can kill it with
 * SIGKILL and start it again on the same data directory. {@link #close()} always kills it.
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENER = Pattern.compile("listener (\\S+) on \\[/127\\.0\\.0\\.1:(\\d+)]");

    private final Process process;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicLong linesPrinted = new java.util.concurrent.atomic.AtomicLong();
    private final List<String> printed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final int inboundPort;

    private GatewayProcess(Path config, Path dataDirectory, List<String> jvmOptions, String umask)
            throws IOException, InterruptedException {
        this(List.of("--config", config.toString(), "--data-dir", dataDirectory.toString()), java.util.Map.of(),
                jvmOptions, umask);
    }

    private GatewayProcess(List<String> runOptions, java.util.Map<String, String> environment, List<String> jvmOptions,
                           String umask) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.portcullis.app.Main", "run"));
        command.addAll(runOptions);
        if (umask != null) { // the shell sets it, then becomes the JVM ("$@" keeps every argument whole)
            command = Stream.concat(Stream.of("sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"),
                    command.stream()).toList();
        }
        if (sighupIgnoredHere()) { // run under nohup: the child would inherit the ignored SIGHUP and never reload
            command = Stream.concat(Stream.of("perl", "-e", "$SIG{HUP} = 'DEFAULT'; exec @ARGV or die \"exec: $!\""),
                    command.stream()).toList();
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        process = builder.start();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    output.add(line);
                    linesPrinted.incrementAndGet();
                    printed.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
        inboundPort = awaitInboundPort();
    }

    public static GatewayProcess start(Path config, Path dataDirectory) throws IOException, InterruptedException {
        return new GatewayProcess(config, dataDirectory, List.of(), null);
    }

    /** With JVM options, such as a small {@code -Xmx} for a test that the heap stays bounded. */
    public static GatewayProcess start(Path config, Path dataDirectory, List<String> jvmOptions)
            throws IOException, InterruptedException {
        return new GatewayProcess(config, dataDirectory, jvmOptions, null);
    }

    /** With no --config or --data-dir: the environment (PORTCULLIS_CONFIG, PORTCULLIS_DATA_DIR) names them. */
    public static GatewayProcess startWithEnvironment(java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        return new GatewayProcess(List.of(), environment, List.of(), null);
    }

    /** Waits for the process to end by itself and returns its exit status; fails when it is still running then. */
    public int awaitExit(java.time.Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the gateway process still runs after " + limit + "; it printed:\n"
                    + String.join("\n", output()));
        }
        return process.exitValue();
    }

    /** Started with this umask (octal, e.g. "000"), as a careless service manager might. */
    public static GatewayProcess startWithUmask(Path config, Path dataDirectory, String umask)
            throws IOException, InterruptedException {
        return new GatewayProcess(config, dataDirectory, List.of(), umask);
    }

    /** The lines the process printed (logs included) up to now. */
    /** Is SIGHUP ignored in this JVM (bit 0 of SigIgn in /proc/self/status), as under nohup? */
    private static boolean sighupIgnoredHere() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 1L) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: nothing to undo
        }
        return false;
    }

    public List<String> output() {
        synchronized (printed) {
            return List.copyOf(printed);
        }
    }

    private int awaitInboundPort() throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a loaded CI machine starts a JVM slowly
        while (System.nanoTime() < deadline) {
            String line = output.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!process.isAlive()) {
                    break;
                }
                continue;
            }
            seen.append(line).append('\n');
            Matcher m = LISTENER.matcher(line);
            if (m.find() && m.group(1).equals("inbound")) {
                return Integer.parseInt(m.group(2));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("gateway process did not start; it printed:\n" + seen);
    }

    public int inboundPort() {
        return inboundPort;
    }

    public long pid() {
        return process.pid();
    }

    /** Lines the process has printed (log and console) since it started. */
    public long linesPrinted() {
        return linesPrinted.get();
    }

    /** The lines printed since the port was found and not yet taken, for a failure message; takes them. */
    public List<String> drainOutput() {
        List<String> lines = new java.util.ArrayList<>();
        output.drainTo(lines);
        return lines;
    }

    /** Sends a signal by name (HUP, TERM) with the system's kill command. */
    public void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
    }

    /** SIGKILL: no shutdown hook, no flush, no chance to tidy up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
