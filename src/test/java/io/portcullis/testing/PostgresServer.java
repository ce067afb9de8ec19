package io.portcullis.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL (Debian's postgresql) for the shared-store tests: {@code initdb} into a
 * temporary directory (trust authentication, {@code fsync=off}: a test server), then the server
 * on a free loopback port with its Unix socket in that directory. One per test class; nothing of
 * the system's clusters or services is touched. {@link #stop()} and {@link #startAgain()} stop and
 * start it again on the same port and data (the failure cases); {@link #close()} stops it and
 * deletes the directory.
 *
 * <p>initdb and postgres refuse to run as root: as root, the directory is given to the
 * {@code postgres} user the package creates (else {@code nobody}) and the programs run as it
 * through {@code setpriv}.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "portcullis";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Path bin;
    private final Path directory;
    private final Path data;
    private final int port;
    private final List<String> runAs;

    private PostgresServer(Path bin) throws IOException, InterruptedException {
        this.bin = bin;
        this.directory = Files.createTempDirectory("postgres");
        this.data = directory.resolve("data");
        this.port = SmtpSink.freePort();
        this.runAs = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            String user = userExists("postgres") ? "postgres" : "nobody";
            UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
            view.setOwner(users.lookupPrincipalByName(user));
            GroupPrincipal group = users.lookupPrincipalByGroupName(user.equals("nobody") ? "nogroup" : user);
            view.setGroup(group);
            String setpriv = ExternalProgram.require("setpriv", "util-linux");
            runAs.addAll(List.of(setpriv, "--reuid=" + user, "--regid=" + group.getName(), "--clear-groups", "--"));
        }
        run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync");
        startAgain();
    }

    /** initdb and start; skips (or, in CI, fails) the test class when PostgreSQL is not installed. */
    public static PostgresServer start() throws IOException, InterruptedException {
        return new PostgresServer(installation());
    }

    private static Path installation() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparing(v -> versionOf(v.getFileName().toString()))).orElse(null);
                if (newest != null) {
                    return newest.resolve("bin");
                }
            }
        }
        ExternalProgram.unavailable("PostgreSQL's initdb is not installed under /usr/lib/postgresql/*/bin (Debian package"
                + " postgresql; bin/test installs it when run as root)");
        return null;
    }

    private static int versionOf(String name) {
        return name.matches("\\d+") ? Integer.parseInt(name) : 0;
    }

    private static boolean userExists(String user) throws IOException {
        return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith(user + ":"));
    }

    /** Starts the server again (after {@link #stop()}) and waits until it accepts connections. */
    public void startAgain() throws IOException, InterruptedException {
        // The permissions of the socket directory must let the server write: it is the (owned) temp directory.
        String options = "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off"
                + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=40";
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-o", options, "-l",
                directory.resolve("pg_ctl.log").toString(), "-w", "-t", "30", "start");
    }

    /** Stops the server (fast: open connections are cut), keeping its data. */
    public void stop() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop");
    }

    /** The JDBC URL of the server's {@code postgres} database on loopback, as the {@code portcullis} role. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public int port() {
        return port;
    }

    /** Runs one SQL statement with psql and returns its unaligned output (for assertions). */
    public String query(String sql) throws IOException, InterruptedException {
        return run(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
                "-d", "postgres", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql).strip();
    }

    private String run(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(runAs);
        full.addAll(List.of(command));
        ExternalProgram.Result result = ExternalProgram.run(COMMAND_TIMEOUT, full.toArray(String[]::new));
        if (result.exitCode() != 0) {
            String log = Files.exists(directory.resolve("pg_ctl.log"))
                    ? Files.readString(directory.resolve("pg_ctl.log")) : "";
            fail(String.join(" ", command) + " failed (" + result.exitCode() + "):\n" + result.output() + log);
        }
        return result.output();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            ExternalProgram.run(COMMAND_TIMEOUT, concat(runAs, bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                    "-m", "immediate", "-w", "-t", "30", "stop"));
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
