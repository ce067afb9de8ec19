package io.portcullis.delivery.tls;

import com.google.common.net.InetAddresses;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The HTTPS client for policy fetches (RFC 8461 §3.3) and report posts (RFC 8460 §5.4): HTTP/1.1
 * over TLS 1.2 or 1.3, the certificate verified against the trust store and required to name the
 * host, no redirects followed, one request per connection.
 *
 * <p>Why not {@code java.net.http}: it resolves names only through the JVM-wide resolver, so the
 * policy host would not be found through the configured DNS server that finds the MX hosts; and
 * its body limits and deadlines are per read, not per exchange. Here the host's addresses come
 * from {@link PolicyDns}, and everything the server sends is bounded: the header section
 * ({@value #MAX_HEADER_SIZE} octets, {@value #MAX_HEADER_LINES} lines), the body ({@code
 * maxBody}), and the whole exchange by one deadline after which the socket is closed, however
 * slowly the server trickles.
 */
public final class PolicyHttps {
    static final int MAX_HEADER_SIZE = 16 * 1024;
    static final int MAX_HEADER_LINES = 100;
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "https-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    /** An answer: status, its Content-Type (lower case, or "") and body. */
    public record Response(int status, String contentType, byte[] body) {
    }

    private final PolicyDns dns;
    private final SSLContext tls;
    private final Duration timeout;
    private final Function<InetAddress, Optional<String>> internal;

    /**
     * @param internal why an address must not be connected to ("loopback", "private-use", ...), or
     *                 empty when it may be: a hostile domain names the policy host and the report
     *                 URI, and must not make us talk to hosts inside our network (an IP literal
     *                 included)
     */
    public PolicyHttps(PolicyDns dns, SSLContext tls, Duration timeout, Function<InetAddress, Optional<String>> internal) {
        this.dns = dns;
        this.tls = tls;
        this.timeout = timeout;
        this.internal = internal;
    }

    /** GET {@code https://host/path}; a body over {@code maxBody} octets is an {@link IOException}. */
    public Response get(String host, String path, int maxBody) throws IOException {
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Portcullis\r\n"
                + "Accept: text/plain\r\nConnection: close\r\n\r\n";
        return exchange(host, 443, request.getBytes(StandardCharsets.US_ASCII), new byte[0], maxBody);
    }

    /** POST {@code body} to an https URI; the answer's body is read up to 4 KB. */
    public Response post(URI uri, String contentType, byte[] body) throws IOException {
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String host = uri.getHost();
        int port = uri.getPort() < 0 ? 443 : uri.getPort();
        String request = "POST " + target + " HTTP/1.1\r\nHost: " + host + (uri.getPort() < 0 ? "" : ":" + port)
                + "\r\nUser-Agent: Portcullis\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        return exchange(host, port, request.getBytes(StandardCharsets.US_ASCII), body, 4096);
    }

    private Response exchange(String host, int port, byte[] head, byte[] body, int maxBody) throws IOException {
        if (host == null || host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new IOException("not a host name: " + host);
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> addresses = InetAddresses.isInetAddress(bare) ? List.of(InetAddresses.forString(bare))
                : dns.addresses(bare);
        if (addresses.isEmpty()) {
            throw new IOException("no address for " + bare);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        for (InetAddress address : addresses) {
            Optional<String> refused = internal.apply(address);
            if (refused.isPresent()) {
                last = new IOException("not connecting to " + InetAddresses.toAddrString(address) + " (" + bare + "): "
                        + refused.get() + ", not a public address");
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Socket socket = new Socket();
            ScheduledFuture<?> alarm = DEADLINES.schedule(() -> closeQuietly(socket), left, TimeUnit.NANOSECONDS);
            try {
                socket.connect(new InetSocketAddress(address, port), (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                try (SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, bare, port, true)) {
                    ssl.setUseClientMode(true);
                    ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                    SSLParameters parameters = ssl.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(parameters);
                    ssl.startHandshake();
                    OutputStream out = ssl.getOutputStream();
                    out.write(head);
                    out.write(body);
                    out.flush();
                    return read(new java.io.BufferedInputStream(ssl.getInputStream()), maxBody);
                }
            } catch (IOException e) {
                last = System.nanoTime() - deadline >= 0 ? new IOException("no answer within " + timeout.toSeconds() + "s", e) : e;
            } finally {
                alarm.cancel(false);
                closeQuietly(socket);
            }
        }
        throw last != null ? last : new IOException("no answer within " + timeout.toSeconds() + "s");
    }

    private static Response read(InputStream in, int maxBody) throws IOException {
        LineReader lines = new LineReader(in);
        String status = lines.next();
        if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x answer");
        }
        int code;
        try {
            code = Integer.parseInt(status.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP/1.x answer");
        }
        String contentType = "";
        long length = -1;
        boolean chunked = false;
        for (int count = 0; ; count++) {
            String line = lines.next();
            if (line.isEmpty()) {
                break;
            }
            if (count == MAX_HEADER_LINES) {
                throw new IOException("more than " + MAX_HEADER_LINES + " header lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("a header line without a name");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            switch (name) {
                case "content-type" -> contentType = value.toLowerCase(Locale.ROOT);
                case "content-length" -> {
                    if (!value.matches("[0-9]{1,18}")) {
                        throw new IOException("a malformed Content-Length");
                    }
                    length = Long.parseLong(value);
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                default -> {
                }
            }
        }
        if (code / 100 != 2) {
            return new Response(code, contentType, new byte[0]); // no redirect is followed, no error page read
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                String size = lines.next();
                int semicolon = size.indexOf(';');
                String hex = (semicolon < 0 ? size : size.substring(0, semicolon)).strip();
                if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                    throw new IOException("a malformed chunk size");
                }
                long chunk = Long.parseLong(hex, 16);
                if (chunk == 0) {
                    break;
                }
                copy(in, content, chunk, maxBody);
                if (!lines.next().isEmpty()) {
                    throw new IOException("a chunk without its CRLF");
                }
            }
        } else if (length >= 0) {
            if (length > maxBody) {
                throw new IOException("the body is larger than " + maxBody + " octets (Content-Length " + length + ")");
            }
            copy(in, content, length, maxBody);
        } else {
            copy(in, content, Long.MAX_VALUE, maxBody);
        }
        return new Response(code, contentType, content.toByteArray());
    }

    /** Up to {@code count} octets (to the end when it is Long.MAX_VALUE), never more than {@code max} in all. */
    private static void copy(InputStream in, ByteArrayOutputStream into, long count, int max) throws IOException {
        byte[] buffer = new byte[8192];
        long left = count;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                if (count == Long.MAX_VALUE) {
                    return;
                }
                throw new IOException("the body ended early");
            }
            if (into.size() + n > max) {
                throw new IOException("the body is larger than " + max + " octets");
            }
            into.write(buffer, 0, n);
            left -= n;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Lines of the header section and chunk sizes, ended by LF (a CR before it dropped), bounded in total. */
    private static final class LineReader {
        private final InputStream in;
        private int total;

        LineReader(InputStream in) {
            this.in = in;
        }

        String next() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("the answer ended early");
                }
                if (++total > MAX_HEADER_SIZE) {
                    throw new IOException("the header section is larger than " + MAX_HEADER_SIZE + " octets");
                }
                if (c == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                line.append((char) c);
            }
        }
    }
}
