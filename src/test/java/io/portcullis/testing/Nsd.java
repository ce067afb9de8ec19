package io.portcullis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NSD, an authoritative DNS server from Debian, serving one zone file for the root zone on a
 * loopback port: any name, any record type, with real NXDOMAIN and NODATA answers.
 */
public final class Nsd implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final int port;

    private Nsd(String zone) throws IOException, InterruptedException {
        this(Files.createTempDirectory("nsd"), null, zone);
    }

    /** Either the one root zone {@code zone}, or the zone files {@code zones} (name → file). */
    private Nsd(Path directory, java.util.Map<String, Path> zones, String zone) throws IOException, InterruptedException {
        String nsd = ExternalProgram.require("nsd", "nsd");
        this.directory = directory;
        port = SmtpSink.freeUdpPort();
        if (zones == null) {
            Files.writeString(directory.resolve("root.zone"), """
                    $TTL 60
                    . IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60
                    . IN NS ns.invalid.
                    """ + zone);
        }
        StringBuilder zoneSections = new StringBuilder();
        if (zones == null) {
            zoneSections.append("zone:\n  name: \".\"\n  zonefile: \"").append(directory.resolve("root.zone")).append("\"\n");
        } else {
            zones.forEach((name, file) -> zoneSections.append("zone:\n  name: \"").append(name).append("\"\n  zonefile: \"")
                    .append(file).append("\"\n"));
        }
        Path config = directory.resolve("nsd.conf");
        Files.writeString(config, """
                server:
                  ip-address: 127.0.0.1@%d
                  port: %d
                  username: ""
                  chroot: ""
                  database: ""
                  zonesdir: "%s"
                  zonelistfile: "%s/zone.list"
                  xfrdfile: "%s/xfrd.state"
                  pidfile: "%s/nsd.pid"
                  logfile: "%s/nsd.log"
                  server-count: 1
                  verbosity: 1
                remote-control:
                  control-enable: no
                """.formatted(port, port, directory, directory, directory, directory, directory) + zoneSections);
        process = new ProcessBuilder(nsd, "-d", "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(directory.resolve("nsd.out").toFile()).start();
        awaitAnswering();
    }

    /**
     * Starts NSD serving the given zone files (zone name with its trailing dot → file, e.g. a
     * zone signed by {@link SignedZone}); its files go into {@code directory}.
     */
    public static Nsd startZones(Path directory, java.util.Map<String, Path> zones) throws IOException, InterruptedException {
        return new Nsd(directory, zones, null);
    }

    /** Starts NSD with the root zone holding {@code zone} (zone-file lines with absolute names). */
    public static Nsd start(String zone) throws IOException, InterruptedException {
        return new Nsd(zone);
    }

    private void awaitAnswering() throws IOException, InterruptedException {
        DnsProbe.await("nsd", process, port, this::log);
    }

    private String log() throws IOException {
        StringBuilder text = new StringBuilder();
        for (String name : List.of("nsd.out", "nsd.log")) {
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
