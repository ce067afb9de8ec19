package io.portcullis.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy (Debian's haproxy) as the load balancer in front of a gateway listener: a TCP frontend
 * per entry, each on a free loopback port, forwarding to the gateway with a PROXY header ({@code
 * send-proxy} for v1, {@code send-proxy-v2} for v2); or, with {@link #startDerived}, the shipped
 * configuration's frontends and backends in front of several nodes. Runs in the foreground with
 * its own temporary configuration; no system service is touched. {@link #close()} kills it.
 */
public final class HaProxy implements AutoCloseable {
    /** One frontend: where clients connect ({@code 127.0.0.1} or {@code ::1}) and the PROXY version it sends. */
    public record Frontend(String name, String bindAddress, int proxyVersion) {
    }

    private final Process process;
    private final Path directory;
    private final Map<String, InetSocketAddress> frontends = new LinkedHashMap<>();

    private HaProxy(String config, Map<String, InetSocketAddress> frontends) throws IOException, InterruptedException {
        String haproxy = ExternalProgram.require("haproxy", "haproxy");
        directory = Files.createTempDirectory("haproxy");
        this.frontends.putAll(frontends);
        Path file = directory.resolve("haproxy.cfg");
        Files.writeString(file, config);
        process = new ProcessBuilder(haproxy, "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(directory.resolve("haproxy.log").toFile()).start();
        try {
            awaitListening();
        } catch (IOException | InterruptedException e) {
            close();
            throw e;
        }
    }

    private static HaProxy simple(int gatewayPort, List<Frontend> list) throws IOException, InterruptedException {
        StringBuilder config = new StringBuilder("""
                global
                    maxconn 200
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                """);
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (Frontend frontend : list) {
            int port = SmtpSink.freePort();
            String bind = frontend.bindAddress().contains(":") ? "[" + frontend.bindAddress() + "]" : frontend.bindAddress();
            config.append("frontend ").append(frontend.name()).append("\n    bind ").append(bind).append(':').append(port)
                    .append("\n    default_backend ").append(frontend.name()).append("-gateway\n")
                    .append("backend ").append(frontend.name()).append("-gateway\n    server gateway 127.0.0.1:")
                    .append(gatewayPort).append(frontend.proxyVersion() == 2 ? " send-proxy-v2\n" : " send-proxy\n");
            addresses.put(frontend.name(), new InetSocketAddress(frontend.bindAddress(), port));
        }
        return new HaProxy(config.toString(), addresses);
    }

    /** One node behind a backend: its SMTP port and the admin port its health is checked on. */
    public record Server(String name, int port, int checkPort) {
    }

    /**
     * HAProxy with a configuration derived from a shipped one ({@code packaging/haproxy/haproxy.cfg}):
     * its {@code global} section replaced by a foreground one logging to standard output (see
     * {@link #log()}); its {@code defaults}, frontends and backends kept, except that every
     * frontend's {@code bind} becomes a free port on 127.0.0.1 and every backend's {@code server}
     * lines become {@code servers.get(backend)} on 127.0.0.1 (with {@code check port}). Then each
     * {@code replacements} key is replaced by its value (a token, shorter check intervals).
     */
    public static HaProxy startDerived(Path shipped, Map<String, List<Server>> servers, Map<String, String> replacements)
            throws IOException, InterruptedException {
        StringBuilder config = new StringBuilder("""
                global
                    maxconn 200
                    log stdout format raw local0 info
                """);
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        boolean started = false;
        String frontend = null;
        String backend = null;
        java.util.Set<String> written = new java.util.HashSet<>();
        for (String line : Files.readAllLines(shipped)) {
            String text = line.strip();
            String[] words = text.split("\\s+");
            if (!line.startsWith(" ") && !text.isEmpty() && !text.startsWith("#")) {
                started |= words[0].equals("defaults");
                frontend = words[0].equals("frontend") ? words[1] : null;
                backend = words[0].equals("backend") ? words[1] : null;
                if (backend != null && !servers.containsKey(backend)) {
                    throw new IllegalArgumentException("no servers given for backend " + backend);
                }
            }
            if (!started) {
                continue;
            }
            if (frontend != null && words[0].equals("bind")) {
                int port = SmtpSink.freePort();
                addresses.put(frontend, new InetSocketAddress("127.0.0.1", port));
                config.append("    bind 127.0.0.1:").append(port).append('\n');
            } else if (backend != null && words[0].equals("server")) {
                if (written.add(backend)) {
                    for (Server server : servers.get(backend)) {
                        config.append("    server ").append(server.name()).append(" 127.0.0.1:").append(server.port())
                                .append(" check port ").append(server.checkPort()).append('\n');
                    }
                }
            } else {
                config.append(line).append('\n');
            }
        }
        String text = config.toString();
        for (Map.Entry<String, String> replacement : replacements.entrySet()) {
            if (!text.contains(replacement.getKey())) {
                throw new IllegalArgumentException("the shipped configuration has no \"" + replacement.getKey() + "\"");
            }
            text = text.replace(replacement.getKey(), replacement.getValue());
        }
        return new HaProxy(text, addresses);
    }

    /** Starts HAProxy with these frontends, all forwarding to the gateway's {@code 127.0.0.1:gatewayPort}. */
    public static HaProxy start(int gatewayPort, Frontend... frontends) throws IOException, InterruptedException {
        return simple(gatewayPort, List.of(frontends));
    }

    private void awaitListening() throws IOException, InterruptedException {
        List<InetSocketAddress> waiting = new ArrayList<>(frontends.values());
        for (int i = 0; i < 200 && !waiting.isEmpty(); i++) {
            if (!process.isAlive()) {
                throw new IOException("haproxy exited: " + Files.readString(directory.resolve("haproxy.log")));
            }
            waiting.removeIf(address -> {
                try (Socket probe = new Socket()) {
                    probe.connect(address, 1000);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            if (!waiting.isEmpty()) {
                Thread.sleep(50);
            }
        }
        if (!waiting.isEmpty()) {
            throw new IOException("haproxy did not start listening on " + waiting);
        }
    }

    /** Where clients of this frontend connect. */
    public InetSocketAddress address(String frontend) {
        return frontends.get(frontend);
    }

    /** A client of the frontend, connecting from {@code sourceAddress} (127.0.0.2, ::1, ...). */
    public SmtpScript connect(String frontend, String sourceAddress) throws IOException {
        return SmtpScript.connectFrom(sourceAddress, address(frontend));
    }

    /** What HAProxy wrote: its warnings and alerts and, for a derived configuration, its log (server state changes). */
    public String log() throws IOException {
        return Files.readString(directory.resolve("haproxy.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
