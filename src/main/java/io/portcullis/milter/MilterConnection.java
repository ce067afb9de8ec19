package io.portcullis.milter;

import io.portcullis.config.CheckConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a milter over TCP or a Unix domain socket, and its packet format: a 4-octet
 * length, a command octet and its data; strings are NUL-terminated. A packet from the milter
 * longer than the limit given at {@link #open} ends the conversation (an {@link IOException}).
 *
 * <p>Time: TCP reads time out after the timeout given at {@link #open}. A caller that needs a
 * bound on a whole callback (several packets: SMFIR_PROGRESS keeps a milter alive only within it)
 * brackets it with {@link #startDeadline} and {@link #endDeadline}: at the deadline the connection
 * is closed, so a blocked read (TCP or Unix socket) fails at once and {@link #timedOut()} says why.
 */
public final class MilterConnection implements Closeable {
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    /** One packet from the milter. */
    public record Packet(char command, byte[] data) {
        /** The NUL-terminated strings of the data from {@code offset}. */
        public List<byte[]> strings(int offset) {
            List<byte[]> strings = new ArrayList<>();
            int start = offset;
            for (int i = offset; i < data.length; i++) {
                if (data[i] == 0) {
                    strings.add(Arrays.copyOfRange(data, start, i));
                    start = i + 1;
                }
            }
            if (start < data.length) {
                strings.add(Arrays.copyOfRange(data, start, data.length));
            }
            return strings;
        }

        public String string(int index) {
            List<byte[]> strings = strings(0);
            return index < strings.size() ? new String(strings.get(index), StandardCharsets.UTF_8) : "";
        }

        public int intAt(int offset) {
            return ((data[offset] & 0xff) << 24) | ((data[offset + 1] & 0xff) << 16) | ((data[offset + 2] & 0xff) << 8)
                    | (data[offset + 3] & 0xff);
        }
    }

    private final Closeable socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final int maxPacket;
    private ScheduledFuture<?> deadline;
    private volatile boolean timedOut;

    private MilterConnection(Closeable socket, java.io.InputStream in, java.io.OutputStream out, int maxPacket) {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(in));
        this.out = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
        this.maxPacket = maxPacket;
    }

    /**
     * Connects within {@code timeout}; TCP reads then time out after it too.
     *
     * @param maxPacket the longest packet accepted from the milter, in octets
     */
    public static MilterConnection open(CheckConfig.Endpoint endpoint, Duration timeout, int maxPacket) throws IOException {
        if (endpoint.unixSocket() != null) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(endpoint.unixSocket()));
                return new MilterConnection(channel, Channels.newInputStream(channel), Channels.newOutputStream(channel),
                        maxPacket);
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
            socket.setTcpNoDelay(true);
            return new MilterConnection(socket, socket.getInputStream(), socket.getOutputStream(), maxPacket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    public void send(char command, byte[] data) throws IOException {
        out.writeInt(data.length + 1);
        out.writeByte(command);
        out.write(data);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes what was sent, then reads one packet. */
    public Packet read() throws IOException {
        out.flush();
        int length = in.readInt();
        if (length < 1 || length > maxPacket) {
            throw new IOException("milter sent a packet of " + Integer.toUnsignedString(length) + " octets (limit "
                    + maxPacket + ")");
        }
        char command = (char) in.readUnsignedByte();
        byte[] data = in.readNBytes(length - 1);
        if (data.length != length - 1) {
            throw new IOException("milter closed the connection mid-packet");
        }
        return new Packet(command, data);
    }

    /** Closes the connection when {@code budget} has passed, unless {@link #endDeadline} came first. */
    public void startDeadline(Duration budget) {
        endDeadline();
        deadline = WATCHDOG.schedule(() -> {
            timedOut = true;
            closeQuietly();
        }, Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS);
    }

    public void endDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** Did a deadline close the connection? */
    public boolean timedOut() {
        return timedOut;
    }

    /** NUL-terminated strings, concatenated. */
    public static byte[] strings(Object... values) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Object value : values) {
            data.writeBytes(value instanceof byte[] bytes ? bytes : String.valueOf(value).getBytes(StandardCharsets.UTF_8));
            data.write(0);
        }
        return data.toByteArray();
    }

    public static byte[] ints(int... values) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int value : values) {
            data.write(value >>> 24);
            data.write(value >>> 16);
            data.write(value >>> 8);
            data.write(value);
        }
        return data.toByteArray();
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    @Override
    public void close() throws IOException {
        endDeadline();
        socket.close();
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "milter-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
