import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The next hop of every run, counting messages. Usually smtp-sink: with -c it prints "sess=N
 * quit=N mesg=N" after each message, and the bench reads the last count. One sink for the whole
 * bench, so no relay ever finds the next hop gone between runs.
 *
 * <p>For the outbound TLS scenarios (smtp-sink has no TLS) a sink of the JDK's own in this JVM:
 * {@link #tls}, offering STARTTLS with the given context (its certificate from a keystore the
 * bench made with keytool) and answering 250 to everything else, the count kept in memory. It
 * serves plain, opportunistic and DANE delivery alike, so the three differ only in TLS.
 */
final class Sink implements AutoCloseable {
    private static final Pattern COUNT = Pattern.compile("mesg=(\\d+)");
    final Process process;
    final Path log = Bench.work.resolve("sink.log");
    private final ServerSocket server;
    private final SSLContext tls;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong handshakes = new AtomicLong();

    Sink() throws Exception {
        process = Bench.start(List.of("smtp-sink", "-c", "-u", "nobody", "127.0.0.1:" + Bench.SINK_PORT, "1024"), log);
        server = null;
        tls = null;
        Bench.awaitPort(Bench.SINK_PORT);
    }

    private Sink(int port, SSLContext tls) throws IOException {
        process = null;
        this.tls = tls;
        server = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("tls-sink").start(this::accept);
    }

    /** A JDK sink on 127.0.0.1:{@code port} offering STARTTLS with {@code tls}. */
    static Sink tls(int port, SSLContext tls) throws IOException {
        return new Sink(port, tls);
    }

    long messages() throws IOException {
        if (server != null) {
            return received.get();
        }
        long size = Files.size(log);
        try (var file = new java.io.RandomAccessFile(log.toFile(), "r")) {
            file.seek(Math.max(0, size - 200));
            byte[] tail = new byte[(int) (size - file.getFilePointer())];
            file.readFully(tail);
            Matcher m = COUNT.matcher(new String(tail, StandardCharsets.US_ASCII));
            long count = 0;
            while (m.find()) {
                count = Long.parseLong(m.group(1));
            }
            return count;
        }
    }

    /** Connections the JDK sink accepted so far. */
    long connections() {
        return connections.get();
    }

    /** TLS handshakes the JDK sink completed so far. */
    long handshakes() {
        return handshakes.get();
    }

    void awaitMessages(long count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages() < count) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the sink saw " + messages() + " messages, not " + count);
            }
            Thread.sleep(5);
        }
    }

    // ---- the JDK sink

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket plain) {
        Socket socket = plain;
        connections.incrementAndGet();
        try {
            socket.setSoTimeout(300_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            reply(out, "220 sink.bench.test ESMTP");
            boolean secured = false;
            String line;
            while ((line = readLine(in)) != null) {
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, "250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                            + (secured ? "" : "250-STARTTLS\r\n") + "250 SIZE 104857600");
                    case "HELO" -> reply(out, "250 sink.bench.test");
                    case "STAR" -> {
                        if (secured) {
                            reply(out, "503 5.5.1 TLS already active");
                            continue;
                        }
                        reply(out, "220 2.0.0 Ready to start TLS");
                        SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                        secure.setUseClientMode(false);
                        secure.startHandshake();
                        handshakes.incrementAndGet();
                        socket = secure;
                        in = new BufferedInputStream(secure.getInputStream());
                        out = new BufferedOutputStream(secure.getOutputStream());
                        secured = true;
                    }
                    case "DATA" -> {
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        String data;
                        while ((data = readLine(in)) != null && !data.equals(".")) {
                            // discarded
                        }
                        received.incrementAndGet();
                        reply(out, "250 2.0.0 Ok: queued");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "250 2.0.0 Ok");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One line without its CRLF, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
            return;
        }
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
