import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The DNS servers of the defences and TLS scenarios, started by the bench on free loopback ports
 * with their own configuration in its temporary folder (no system service): dnsmasq authoritative
 * for {@code .test}, and for DANE a zone signed with ldns-signzone, served by NSD behind a
 * validating unbound that holds its trust anchor. The same programs the tests use (testing/Dnsmasq,
 * Nsd, Unbound, SignedZone), driven directly: the bench is plain javac with the JDK only.
 */
final class BenchDns implements AutoCloseable {
    final String name;
    final int port;
    final Process process;

    private BenchDns(String name, int port, Process process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /** dnsmasq answering {@code .test} from {@code records} (dnsmasq options), NXDOMAIN for the rest of it. */
    static BenchDns dnsmasq(List<String> records) throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--local=/test/", "--log-facility=-", "--pid-file=", "--user=root"));
        command.addAll(records);
        return started("dnsmasq", port, command);
    }

    /** The KSK's DNSKEY record of {@code zone} signed into {@code directory}/{@code zone}zone.signed. */
    static String signZone(Path directory, String zone, String records) throws Exception {
        Path unsigned = directory.resolve(zone + "zone");
        Files.writeString(unsigned, "$TTL 3600\n" + zone + " IN SOA ns." + zone + " hostmaster." + zone
                + " 1 3600 600 86400 3600\n" + zone + " IN NS ns." + zone + "\nns." + zone + " IN A 127.0.0.1\n" + records);
        String ksk = keygen(directory, zone, true);
        String zsk = keygen(directory, zone, false);
        Bench.run("ldns-signzone", "-o", zone, "-f", unsigned + ".signed", unsigned.toString(),
                directory.resolve(zsk).toString(), directory.resolve(ksk).toString());
        return Files.readString(directory.resolve(ksk + ".key")).lines().filter(line -> line.contains("DNSKEY"))
                .findFirst().orElseThrow().replaceAll(";.*$", "").strip();
    }

    private static String keygen(Path directory, String zone, boolean ksk) throws Exception {
        List<String> command = new ArrayList<>(List.of("ldns-keygen", "-a", "ECDSAP256SHA256"));
        if (ksk) {
            command.add("-k");
        }
        command.add(zone);
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("ldns-keygen failed: " + output);
        }
        return output.strip().lines().reduce((first, second) -> second).orElseThrow();
    }

    /** NSD serving the signed zone {@code zone} from {@code directory}. */
    static BenchDns nsd(Path directory, String zone) throws Exception {
        int port = freePort();
        Path config = Files.writeString(directory.resolve("nsd.conf"), """
                server:
                  ip-address: 127.0.0.1@%1$d
                  port: %1$d
                  username: ""
                  chroot: ""
                  database: ""
                  zonesdir: "%2$s"
                  zonelistfile: "%2$s/zone.list"
                  xfrdfile: "%2$s/xfrd.state"
                  pidfile: "%2$s/nsd.pid"
                  logfile: "%2$s/nsd.log"
                  server-count: 1
                  verbosity: 1
                remote-control:
                  control-enable: no
                zone:
                  name: "%3$s"
                  zonefile: "%2$s/%3$szone.signed"
                """.formatted(port, directory, zone));
        return started("nsd", port, List.of("nsd", "-d", "-c", config.toString()));
    }

    /** unbound validating {@code zone} (served by NSD on {@code nsdPort}) with {@code trustAnchor} as its only anchor. */
    static BenchDns unbound(Path directory, String zone, int nsdPort, String trustAnchor) throws Exception {
        int port = freePort();
        Path config = Files.writeString(directory.resolve("unbound.conf"), """
                server:
                  interface: 127.0.0.1@%1$d
                  port: %1$d
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%2$s"
                  pidfile: "%2$s/unbound.pid"
                  logfile: "%2$s/unbound.log"
                  use-syslog: no
                  verbosity: 1
                  num-threads: 1
                  so-reuseport: no
                  do-ip6: no
                  access-control: 127.0.0.0/8 allow
                  do-not-query-localhost: no
                  module-config: "validator iterator"
                  val-permissive-mode: no
                  local-zone: "test." nodefault
                  trust-anchor: "%3$s"
                remote-control:
                  control-enable: no
                stub-zone:
                  name: "%4$s"
                  stub-addr: 127.0.0.1@%5$d
                """.formatted(port, directory, trustAnchor, zone, nsdPort));
        return started("unbound", port, List.of("unbound", "-d", "-c", config.toString()));
    }

    private static BenchDns started(String name, int port, List<String> command) throws Exception {
        Path log = Bench.work.resolve(name + "-" + port + ".log");
        Process process = Bench.start(command, log);
        BenchDns server = new BenchDns(name, port, process);
        for (int i = 0; i < 200; i++) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited: " + Files.readString(log));
            }
            if (answers(port)) {
                return server;
            }
            Thread.sleep(50);
        }
        server.close();
        throw new IOException(name + " does not answer on 127.0.0.1:" + port + ": " + Files.readString(log));
    }

    /** Whether anything answers a query (SOA of test.) on 127.0.0.1:port. */
    static boolean answers(int port) throws IOException {
        byte[] query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4, 't', 'e', 's', 't', 0, 0, 6, 0, 1};
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(200);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
            socket.receive(new DatagramPacket(new byte[512], 512));
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** A loopback port free for both UDP and TCP just now. */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                int port = udp.getLocalPort();
                try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free loopback port");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
