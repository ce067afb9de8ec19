package io.portcullis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;

/**
 * A real Redis (Debian's redis-server) for the shared-state tests: in the foreground, on a free
 * loopback port, with its own temporary directory, no persistence ({@code --save "" --appendonly
 * no}). One per test class ({@code @BeforeAll}/{@code @AfterAll}). {@link #stop()} and
 * {@link #start()} take it down and bring it back on the same port (the failure cases);
 * {@link #freeze()} and {@link #thaw()} stop and continue the process (SIGSTOP/SIGCONT), so it
 * accepts connections but never answers: a Redis that hangs. {@link #close()} kills it and deletes
 * the directory.
 */
public final class RedisServer implements AutoCloseable {
    private final String program;
    private final Path directory;
    private final int port;
    private Process process;

    private RedisServer(String program, Path directory, int port) {
        this.program = program;
        this.directory = directory;
        this.port = port;
    }

    /** Starts one; skips the calling test (fails it under CI) when redis-server is not installed. */
    public static RedisServer start() throws IOException, InterruptedException {
        String program = ExternalProgram.require("redis-server", "redis-server");
        RedisServer server = new RedisServer(program, Files.createTempDirectory("redis"), SmtpSink.freePort());
        server.startProcess();
        return server;
    }

    /** Brings a stopped server back on the same port, empty. */
    public void startAgain() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is running");
        }
        startProcess();
    }

    private void startProcess() throws IOException, InterruptedException {
        process = new ProcessBuilder(program, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", directory.toString(), "--daemonize", "no", "--protected-mode", "yes")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile()))
                .start();
        for (int i = 0; i < 200; i++) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + log());
            }
            try (Jedis jedis = client()) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (RuntimeException e) {
                Thread.sleep(25);
            }
        }
        throw new IOException("redis-server did not answer PING on port " + port + ": " + log());
    }

    /** {@code host:port}, for {@code shared-state.redis.address}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** A client of its own (close it); for looking at keys and emptying the database between tests. */
    public Jedis client() {
        return new Jedis("127.0.0.1", port, 2000);
    }

    /** Empties every database. */
    public void flushAll() {
        try (Jedis jedis = client()) {
            jedis.flushAll();
        }
    }

    /** Kills the server (as a crash would); {@link #startAgain()} brings it back. */
    public void stop() throws InterruptedException {
        thaw();
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the process without closing its socket: connections are accepted but never answered. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    public void thaw() throws InterruptedException {
        try {
            signal("CONT");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            ExternalProgram.run(java.time.Duration.ofSeconds(10), "kill", "-" + name, Long.toString(process.pid()));
        }
    }

    public String log() throws IOException {
        Path log = directory.resolve("redis.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null) {
            stop();
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
