package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CLI's side of the control socket: one JSON request, one JSON answer. */
final class ControlClient {
    private ControlClient() {
    }

    /** The running gateway's answer, or null when no gateway answers on this data directory. */
    static JsonNode send(Path dataDirectory, JsonNode request) {
        Path socket = dataDirectory.resolve(ControlServer.SOCKET);
        if (!Files.exists(socket)) {
            return null;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            Channels.newOutputStream(channel).write((QueueCommands.JSON.writeValueAsString(request) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            String line = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8)).readLine();
            return line == null ? null : QueueCommands.JSON.readTree(line);
        } catch (IOException e) {
            return null; // a socket file left by a gateway that died
        }
    }
}
