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
 * send-proxy} for v1, {@code send-proxy-v2} for v2). Runs in the foreground with its own temporary
 * configuration; no system service is touched. {@link #close()} kills it.
 */
public final class HaProxy implements AutoCloseable {
    /** One frontend: where clients connect ({@code 127.0.0.1} or {@code ::1}) and the PROXY version it sends. */
    public record Frontend(String name, String bindAddress, int proxyVersion) {
    }

    private final Process process;
    private final Path directory;
    private final Map<String, InetSocketAddress> frontends = new LinkedHashMap<>();

    private HaProxy(int gatewayPort, List<Frontend> list) throws IOException, InterruptedException {
        String haproxy = ExternalProgram.require("haproxy", "haproxy");
        directory = Files.createTempDirectory("haproxy");
        StringBuilder config = new StringBuilder("""
                global
                    maxconn 200
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                """);
        for (Frontend frontend : list) {
            int port = SmtpSink.freePort();
            String bind = frontend.bindAddress().contains(":") ? "[" + frontend.bindAddress() + "]" : frontend.bindAddress();
            config.append("frontend ").append(frontend.name()).append("\n    bind ").append(bind).append(':').append(port)
                    .append("\n    default_backend ").append(frontend.name()).append("-gateway\n")
                    .append("backend ").append(frontend.name()).append("-gateway\n    server gateway 127.0.0.1:")
                    .append(gatewayPort).append(frontend.proxyVersion() == 2 ? " send-proxy-v2\n" : " send-proxy\n");
            frontends.put(frontend.name(), new InetSocketAddress(frontend.bindAddress(), port));
        }
        Path file = directory.resolve("haproxy.cfg");
        Files.writeString(file, config);
        process = new ProcessBuilder(haproxy, "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(directory.resolve("haproxy.log").toFile()).start();
        awaitListening();
    }

    /** Starts HAProxy with these frontends, all forwarding to the gateway's {@code 127.0.0.1:gatewayPort}. */
    public static HaProxy start(int gatewayPort, Frontend... frontends) throws IOException, InterruptedException {
        return new HaProxy(gatewayPort, List.of(frontends));
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

    public String log() throws IOException {
        return Files.readString(directory.resolve("haproxy.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
