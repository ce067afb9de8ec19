package io.portcullis.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real scanner daemon from Debian on a loopback high port: SpamAssassin's spamd or ClamAV's
 * clamd (with a signature database the test writes, so no download is needed). {@link #close()}
 * stops it and everything it forked.
 */
public final class ScannerDaemon implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path directory;
    private final int port;
    private int secondPort;

    private ScannerDaemon(String name, List<String> command, Path directory, int port) throws IOException, InterruptedException {
        this.name = name;
        this.directory = directory;
        this.port = port;
        this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve(name + ".out").toFile()).start();
        awaitListening();
    }

    /** spamd with the rules Debian ships, no user configuration, no network tests. */
    public static ScannerDaemon spamd() throws IOException, InterruptedException {
        String spamd = ExternalProgram.require("spamd", "spamd");
        Path directory = Files.createTempDirectory("spamd");
        int port = SmtpSink.freePort();
        List<String> command = new ArrayList<>(List.of(spamd, "--listen=127.0.0.1:" + port, "--allowed-ips=127.0.0.1",
                "--max-children=4", "--min-children=1", "--nouser-config", "--local", "--syslog=stderr",
                "--pidfile=" + directory.resolve("spamd.pid")));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // spamd will not scan as root
        }
        return new ScannerDaemon("spamd", command, directory, port);
    }

    /** clamd with one database: a body signature named {@code signatureName} for {@code marker}. */
    public static ScannerDaemon clamd(String signatureName, String marker) throws IOException, InterruptedException {
        String clamd = ExternalProgram.require("clamd", "clamav-daemon");
        Path directory = Files.createTempDirectory("clamd");
        Path database = Files.createDirectories(directory.resolve("db"));
        Files.writeString(database.resolve("portcullis-test.ndb"), signatureName + ":0:*:"
                + HexFormat.of().formatHex(marker.getBytes(StandardCharsets.US_ASCII)) + "\n");
        int port = SmtpSink.freePort();
        Path config = directory.resolve("clamd.conf");
        Files.writeString(config, """
                DatabaseDirectory %s
                TCPSocket %d
                TCPAddr 127.0.0.1
                Foreground yes
                LogFile %s
                PidFile %s
                User %s
                """.formatted(database, port, directory.resolve("clamd.log"), directory.resolve("clamd.pid"),
                System.getProperty("user.name")));
        return new ScannerDaemon("clamd", List.of(clamd, "-c", config.toString()), directory, port);
    }

    /**
     * opendkim as a milter for {@code domain} with selector {@code selector} and the PEM key at
     * {@code keyFile}: it signs mail that arrives on the listener named {@code signingListener}
     * (the daemon_name macro) and verifies the rest, looking keys up through the DNS server on
     * 127.0.0.1:{@code dnsPort} (its resolver is libunbound, configured by a file;
     * unbound answers the special-use domain test. itself unless told not to).
     */
    public static ScannerDaemon opendkim(String domain, String selector, Path keyFile, String signingListener, int dnsPort)
            throws IOException, InterruptedException {
        String opendkim = ExternalProgram.require("opendkim", "opendkim");
        Path directory = Files.createTempDirectory("opendkim");
        int port = SmtpSink.freePort();
        Path unbound = directory.resolve("unbound.conf");
        Files.writeString(unbound, """
                server:
                  do-not-query-localhost: no
                  local-zone: "test." nodefault
                forward-zone:
                  name: "."
                  forward-addr: 127.0.0.1@%d
                """.formatted(dnsPort));
        Path config = directory.resolve("opendkim.conf");
        Files.writeString(config, """
                Syslog no
                Mode sv
                Socket inet:%d@127.0.0.1
                Domain %s
                Selector %s
                KeyFile %s
                Canonicalization relaxed/relaxed
                Background no
                RequireSafeKeys false
                AuthservID portcullis-test
                InternalHosts 192.0.2.1
                MacroList daemon_name=%s
                ResolverConfiguration %s
                PidFile %s
                """.formatted(port, domain, selector, keyFile, signingListener, unbound, directory.resolve("opendkim.pid")));
        return new ScannerDaemon("opendkim", List.of(opendkim, "-f", "-x", config.toString()), directory, port);
    }

    /**
     * Rspamd 3 with Debian's rules: its normal worker (HTTP) on {@link #port()} and its proxy in
     * milter mode, scanning itself, on {@link #secondPort()}; DNS from 127.0.0.1:{@code dnsPort}.
     * Configured through its local.d and override.d folders in a temporary directory.
     */
    public static ScannerDaemon rspamd(int dnsPort) throws IOException, InterruptedException {
        String rspamd = ExternalProgram.require("rspamd", "rspamd");
        Path directory = Files.createTempDirectory("rspamd");
        for (String sub : List.of("local.d", "override.d", "db", "run", "log")) {
            Files.createDirectories(directory.resolve(sub));
        }
        int port = SmtpSink.freePort();
        int milterPort = SmtpSink.freePort();
        int controllerPort = SmtpSink.freePort();
        Files.writeString(directory.resolve("override.d/worker-normal.inc"),
                "bind_socket = \"127.0.0.1:%d\";\ncount = 1;\n".formatted(port));
        Files.writeString(directory.resolve("override.d/worker-proxy.inc"), """
                bind_socket = "127.0.0.1:%d";
                milter = yes;
                timeout = 60s;
                upstream "local" {
                  default = yes;
                  self_scan = yes;
                }
                count = 1;
                """.formatted(milterPort));
        Files.writeString(directory.resolve("override.d/worker-controller.inc"),
                "bind_socket = \"127.0.0.1:%d\";\ncount = 1;\n".formatted(controllerPort));
        Files.writeString(directory.resolve("override.d/logging.inc"),
                "type = \"file\";\nfilename = \"%s\";\nlevel = \"info\";\n".formatted(directory.resolve("log/rspamd.log")));
        Files.writeString(directory.resolve("local.d/options.inc"),
                "dns {\n  nameserver = [\"127.0.0.1:%d\"];\n  timeout = 1s;\n  retransmits = 1;\n}\n".formatted(dnsPort));
        List<String> command = new ArrayList<>(List.of(rspamd, "-f", "-c", "/etc/rspamd/rspamd.conf",
                "--var", "LOCAL_CONFDIR=" + directory, "--var", "DBDIR=" + directory.resolve("db"),
                "--var", "RUNDIR=" + directory.resolve("run"), "--var", "LOGDIR=" + directory.resolve("log")));
        if ("root".equals(System.getProperty("user.name"))) {
            var owner = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("_rspamd");
            try (var files = Files.walk(directory)) {
                for (Path file : files.toList()) {
                    Files.setOwner(file, owner);
                }
            }
            command.addAll(List.of("-u", "_rspamd", "-g", "_rspamd"));
        }
        ScannerDaemon daemon = new ScannerDaemon("rspamd", command, directory, port);
        daemon.secondPort = milterPort;
        daemon.awaitPort(milterPort);
        return daemon;
    }

    /** A second service of the daemon (rspamd's milter proxy). */
    public int secondPort() {
        return secondPort;
    }

    private void awaitListening() throws IOException, InterruptedException {
        awaitPort(port);
    }

    private void awaitPort(int port) throws IOException, InterruptedException {
        try {
            Eventually.listening(java.time.Duration.ofSeconds(240), name, port, process, this::output);
        } catch (AssertionError e) {
            close();
            throw new IOException(e.getMessage(), e);
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private String output() throws IOException {
        return Files.readString(directory.resolve(name + ".out"));
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the daemon and its children at once, as a crash would. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
