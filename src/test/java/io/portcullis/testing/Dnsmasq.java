package io.portcullis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for delivery tests: Debian's dnsmasq on a free loopback port, authoritative
 * for {@code .test} (anything not configured there is NXDOMAIN) and with no upstream servers.
 * Records come as dnsmasq options: {@code --mx-host=...}, {@code --host-record=...},
 * {@code --dns-rr=...}, {@code --server=/domain/#} (answers REFUSED: a DNS failure that is not
 * "no such domain"). {@link #close()} kills it.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private Dnsmasq(int port, List<String> records) throws IOException, InterruptedException {
        this.port = port;
        this.log = Files.createTempFile("dnsmasq", ".log");
        List<String> command = new ArrayList<>(List.of(ExternalProgram.require("dnsmasq", "dnsmasq-base"),
                "--keep-in-foreground", "--conf-file=/dev/null", "--port=" + port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-negcache", "--local=/test/", "--log-queries",
                "--log-facility=-", "--pid-file="));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--user=root");
        }
        command.addAll(records);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitAnswering();
    }

    public static Dnsmasq start(String... records) throws IOException, InterruptedException {
        IOException taken = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return new Dnsmasq(SmtpSink.freeUdpPort(), List.of(records));
            } catch (IOException e) {
                if (!e.getMessage().contains("in use")) {
                    throw e;
                }
                taken = e; // another process took the port between our check and dnsmasq's bind
            }
        }
        throw taken;
    }

    private void awaitAnswering() throws IOException, InterruptedException {
        DnsProbe.await("dnsmasq", process, port, () -> Files.readString(log));
    }

    /** A --txt-record option; a long text becomes several character-strings (255 octets at most each). */
    public static String txtRecord(String name, String text) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 200) {
            parts.add(text.substring(i, Math.min(text.length(), i + 200)));
        }
        return "--txt-record=" + name + "," + String.join(",", parts);
    }

    public int port() {
        return port;
    }

    public String queries() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
