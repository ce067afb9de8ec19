package io.portcullis.listener;

import io.portcullis.config.IpLiteral;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PROXY protocol header (HAProxy's specification, versions 1 and 2) that a load balancer sends
 * before the SMTP conversation, naming the real client. Read from the raw socket without reading
 * ahead, so nothing of the SMTP stream is consumed; bounded in size (v1: 107 octets with CRLF, v2:
 * 16 plus at most 512) and in time (the whole header within one deadline, so a proxy, or whoever
 * got into the trusted range, cannot hold a connection by trickling octets). Anything malformed is
 * refused: an exception, never a guess. LOCAL (v2), UNKNOWN (v1) and address families that are
 * not IP mean "no client": the proxy's own address stands.
 */
final class ProxyProtocol {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V1_MAX = 107;
    private static final int V2_MAX_ADDRESS_BLOCK = 512;
    private static final Pattern V1 = Pattern.compile(
            "PROXY (TCP4|TCP6) ([0-9a-fA-F:.]{2,45}) ([0-9a-fA-F:.]{2,45}) (\\d{1,5}) (\\d{1,5})");

    /** The header could not be read or is not a valid PROXY header; the connection must be closed. */
    static final class BadHeaderException extends IOException {
        BadHeaderException(String message) {
            super(message);
        }
    }

    private ProxyProtocol() {
    }

    /**
     * The client the header names; the socket's peer itself for LOCAL/UNKNOWN. Throws for anything
     * malformed, for a header not complete within {@code deadline}, and when the peer hangs up.
     */
    static InetSocketAddress read(Socket socket, Duration deadline) throws IOException {
        InetSocketAddress proxy = (InetSocketAddress) socket.getRemoteSocketAddress();
        InputStream in = new DeadlineInput(socket, deadline);
        byte[] start = readExactly(in, 12);
        if (Arrays.equals(start, V2_SIGNATURE)) {
            return readV2(in, proxy);
        }
        if (!new String(start, 0, 6, StandardCharsets.US_ASCII).equals("PROXY ")) {
            throw new BadHeaderException("no PROXY protocol header");
        }
        StringBuilder line = new StringBuilder(new String(start, StandardCharsets.ISO_8859_1));
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the PROXY header");
            }
            if (b == '\n') {
                if (line.charAt(line.length() - 1) != '\r') {
                    throw new BadHeaderException("bare LF in the PROXY v1 header");
                }
                line.setLength(line.length() - 1);
                break;
            }
            if (line.length() + 1 >= V1_MAX) {
                throw new BadHeaderException("PROXY v1 header longer than " + V1_MAX + " octets");
            }
            line.append((char) b);
        }
        return parseV1(line.toString(), proxy);
    }

    private static InetSocketAddress parseV1(String line, InetSocketAddress proxy) throws BadHeaderException {
        if (line.equals("PROXY UNKNOWN") || line.startsWith("PROXY UNKNOWN ")) {
            return proxy;
        }
        Matcher m = V1.matcher(line);
        if (!m.matches()) {
            throw new BadHeaderException("malformed PROXY v1 header");
        }
        boolean ipv6 = m.group(1).equals("TCP6");
        InetAddress source = literal(m.group(2), ipv6);
        literal(m.group(3), ipv6);
        int sourcePort = port(m.group(4));
        port(m.group(5));
        return new InetSocketAddress(source, sourcePort);
    }

    private static InetSocketAddress readV2(InputStream in, InetSocketAddress proxy) throws IOException {
        byte[] header = readExactly(in, 4);
        int version = (header[0] & 0xF0) >> 4;
        int command = header[0] & 0x0F;
        int family = header[1] & 0xFF;
        int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        if (version != 2 || command > 1) {
            throw new BadHeaderException("malformed PROXY v2 header (version " + version + ", command " + command + ")");
        }
        if (length > V2_MAX_ADDRESS_BLOCK) {
            throw new BadHeaderException("PROXY v2 address block of " + length + " octets is too long");
        }
        byte[] block = readExactly(in, length);
        if (command == 0) {
            return proxy; // LOCAL: the proxy talking for itself (health checks)
        }
        return switch (family) {
            case 0x11 -> address(block, 4, length, 12);  // TCP over IPv4: src, dst, src port, dst port
            case 0x21 -> address(block, 16, length, 36); // TCP over IPv6
            case 0x00, 0x31 -> proxy;                    // UNSPEC, or a UNIX socket: no IP client to name
            default -> throw new BadHeaderException("PROXY v2 family 0x" + Integer.toHexString(family)
                    + " is not a TCP stream");
        };
    }

    private static InetSocketAddress address(byte[] block, int size, int length, int needed) throws IOException {
        if (length < needed) {
            throw new BadHeaderException("PROXY v2 address block too short (" + length + " octets)");
        }
        InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(block, 0, size));
        int port = ((block[2 * size] & 0xFF) << 8) | (block[2 * size + 1] & 0xFF);
        return new InetSocketAddress(source, port);
    }

    private static InetAddress literal(String text, boolean ipv6) throws BadHeaderException {
        InetAddress address = ipv6 == text.contains(":") ? IpLiteral.parse(text) : null; // literals only: no DNS
        boolean familyMatches = ipv6 ? address instanceof Inet6Address || (address instanceof Inet4Address && text.contains(":"))
                : address instanceof Inet4Address;
        if (address == null || !familyMatches) {
            throw new BadHeaderException("bad address in PROXY v1 header");
        }
        return address;
    }

    private static int port(String digits) throws BadHeaderException {
        int port = Integer.parseInt(digits); // at most 5 digits: the pattern said so
        if (port > 65535 || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw new BadHeaderException("bad port in PROXY v1 header");
        }
        return port;
    }

    private static byte[] readExactly(InputStream in, int count) throws IOException {
        byte[] bytes = in.readNBytes(count);
        if (bytes.length < count) {
            throw new EOFException("connection closed in the PROXY header");
        }
        return bytes;
    }

    /** The socket's input with one deadline for everything read through it. */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final long deadlineNanos;

        DeadlineInput(Socket socket, Duration deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        }

        private void arm() throws IOException {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw new SocketTimeoutException("PROXY header not complete in time");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
        }

        @Override
        public int read() throws IOException {
            arm();
            return in.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            arm();
            return in.read(buffer, offset, length);
        }
    }
}
