package io.portcullis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * unbound, Debian's validating resolver, in the foreground on a loopback port of its own with a
 * configuration in a temporary folder (no system service): the zones given are stub zones served
 * by a test's authoritative server (NSD), the trust anchors given are its only ones, and
 * {@code val-permissive-mode: no}, so bogus data is SERVFAIL and validated data has the AD bit.
 * The special-use name {@code test.} is resolved like any other (unbound answers it locally by
 * default).
 */
public final class Unbound implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final int port;

    private Unbound(Map<String, Integer> stubZones, List<String> trustAnchors) throws IOException, InterruptedException {
        String unbound = ExternalProgram.require("unbound", "unbound");
        directory = Files.createTempDirectory("unbound");
        port = SmtpSink.freeUdpPort();
        StringBuilder config = new StringBuilder("""
                server:
                  interface: 127.0.0.1@%d
                  port: %d
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%s"
                  pidfile: "%s/unbound.pid"
                  logfile: "%s/unbound.log"
                  use-syslog: no
                  verbosity: 1
                  val-log-level: 2
                  num-threads: 1
                  so-reuseport: no
                  do-ip6: no
                  access-control: 127.0.0.0/8 allow
                  do-not-query-localhost: no
                  module-config: "validator iterator"
                  val-permissive-mode: no
                  local-zone: "test." nodefault
                """.formatted(port, port, directory, directory, directory));
        for (String anchor : trustAnchors) {
            config.append("  trust-anchor: \"").append(anchor).append("\"\n");
        }
        config.append("remote-control:\n  control-enable: no\n");
        stubZones.forEach((zone, serverPort) -> config.append("stub-zone:\n  name: \"").append(zone)
                .append("\"\n  stub-addr: 127.0.0.1@").append(serverPort).append('\n'));
        Path file = Files.writeString(directory.resolve("unbound.conf"), config);
        process = new ProcessBuilder(unbound, "-d", "-c", file.toString()).redirectErrorStream(true)
                .redirectOutput(directory.resolve("unbound.out").toFile()).start();
        DnsProbe.await("unbound", process, port, this::log);
    }

    /**
     * @param stubZones    zone name → loopback port of the server authoritative for it
     * @param trustAnchors DNSKEY (or DS) records, one a string
     */
    public static Unbound start(Map<String, Integer> stubZones, List<String> trustAnchors) throws IOException, InterruptedException {
        return new Unbound(stubZones, trustAnchors);
    }

    private String log() throws IOException {
        StringBuilder text = new StringBuilder();
        for (String name : List.of("unbound.out", "unbound.log")) {
            Path file = directory.resolve(name);
            if (Files.exists(file)) {
                text.append(Files.readString(file));
            }
        }
        return text.toString();
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
