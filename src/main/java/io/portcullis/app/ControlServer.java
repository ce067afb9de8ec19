package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway's control socket ({@code control.sock} in the data directory, mode 0600):
 * one JSON request line in, one JSON answer line out, per connection. Only the user the gateway
 * runs as can open it; that is the whole of its access control.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    static final String SOCKET = "control.sock";

    private final Path path;
    private final java.util.function.UnaryOperator<JsonNode> commands;
    private ServerSocketChannel server;

    ControlServer(Path dataDirectory, java.util.function.UnaryOperator<JsonNode> commands) {
        this.path = dataDirectory.resolve(SOCKET);
        this.commands = commands;
    }

    void start() throws IOException {
        Files.deleteIfExists(path); // left by a process that died; we hold the data directory lock
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        Thread.ofVirtual().name("control-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                Thread.ofVirtual().name("control").start(() -> serve(channel));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("control socket: {}", e.toString());
                }
                return;
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (channel;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(channel)) {
            String line = in.readLine();
            if (line == null) {
                return;
            }
            JsonNode answer = commands.apply(QueueCommands.JSON.readTree(line));
            out.write((QueueCommands.JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.debug("control socket connection: {}", e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
            Files.deleteIfExists(path);
        }
    }
}
