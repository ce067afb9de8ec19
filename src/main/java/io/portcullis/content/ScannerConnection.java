package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A connection to a scanner daemon over TCP or a Unix domain socket. TCP reads and the connect
 * time out after the step's budget; both kinds are closed when the chain interrupts the check.
 */
final class ScannerConnection implements Closeable {
    private final Socket socket;
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private ScannerConnection(Socket socket, SocketChannel channel, InputStream in, OutputStream out) {
        this.socket = socket;
        this.channel = channel;
        this.in = new BufferedInputStream(in);
        this.out = new BufferedOutputStream(out, 64 * 1024);
    }

    static ScannerConnection open(CheckConfig.Endpoint endpoint, Duration timeout) throws IOException {
        if (endpoint.unixSocket() != null) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(endpoint.unixSocket()));
                return new ScannerConnection(null, channel, Channels.newInputStream(channel), Channels.newOutputStream(channel));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        Socket socket = new Socket();
        try {
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), millis);
            socket.setSoTimeout(millis);
            return new ScannerConnection(socket, null, socket.getInputStream(), socket.getOutputStream());
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    /** Flushes and half-closes: the daemon sees the end of the request. */
    void finishRequest() throws IOException {
        out.flush();
        if (socket != null) {
            socket.shutdownOutput();
        } else {
            channel.shutdownOutput();
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            channel.close();
        }
    }
}
