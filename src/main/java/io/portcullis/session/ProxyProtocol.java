package io.portcullis.session;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The PROXY protocol header (HAProxy's specification, versions 1 and 2) that a load balancer sends
 * before the SMTP conversation, naming the real client. Read octet by octet from the raw socket so
 * nothing of the SMTP stream is consumed; bounded in size (v1: 107 octets, v2: 16 plus at most
 * 512). LOCAL (v2) and UNKNOWN (v1) mean "no client": the proxy's own address stands.
 */
final class ProxyProtocol {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V1_MAX = 107;
    private static final int V2_MAX_ADDRESS_BLOCK = 512;

    private ProxyProtocol() {
    }

    /** The client the header names; {@code proxy} itself for LOCAL/UNKNOWN; an exception for anything malformed. */
    static InetSocketAddress read(InputStream in, InetSocketAddress proxy) throws IOException {
        byte[] start = readExactly(in, 12);
        if (Arrays.equals(start, V2_SIGNATURE)) {
            return readV2(in, proxy);
        }
        if (!new String(start, 0, 6, StandardCharsets.US_ASCII).equals("PROXY ")) {
            throw new IOException("no PROXY protocol header");
        }
        StringBuilder line = new StringBuilder(new String(start, StandardCharsets.US_ASCII));
        while (!line.toString().endsWith("\r\n")) {
            if (line.length() >= V1_MAX) {
                throw new IOException("PROXY v1 header too long");
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the PROXY header");
            }
            line.append((char) b);
        }
        String[] parts = line.substring(0, line.length() - 2).split(" ");
        if (parts.length >= 2 && parts[1].equals("UNKNOWN")) {
            return proxy;
        }
        if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
            throw new IOException("malformed PROXY v1 header");
        }
        InetAddress source = literal(parts[2], parts[1].equals("TCP6"));
        int port = Integer.parseInt(parts[4]);
        if (port < 0 || port > 65535) {
            throw new IOException("bad port in PROXY v1 header");
        }
        return new InetSocketAddress(source, port);
    }

    private static InetSocketAddress readV2(InputStream in, InetSocketAddress proxy) throws IOException {
        byte[] header = readExactly(in, 4);
        int versionCommand = header[0] & 0xFF;
        int family = header[1] & 0xFF;
        int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        if ((versionCommand >> 4) != 2 || length > V2_MAX_ADDRESS_BLOCK) {
            throw new IOException("malformed PROXY v2 header");
        }
        byte[] block = readExactly(in, length);
        if ((versionCommand & 0x0F) == 0) {
            return proxy; // LOCAL: the proxy talking for itself (health checks)
        }
        return switch (family) {
            case 0x11 -> {
                if (length < 12) {
                    throw new IOException("short PROXY v2 IPv4 block");
                }
                yield new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(block, 0, 4)),
                        ((block[8] & 0xFF) << 8) | (block[9] & 0xFF));
            }
            case 0x21 -> {
                if (length < 36) {
                    throw new IOException("short PROXY v2 IPv6 block");
                }
                yield new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(block, 0, 16)),
                        ((block[32] & 0xFF) << 8) | (block[33] & 0xFF));
            }
            default -> proxy; // UNSPEC or a socket family we do not speak: keep the proxy's address
        };
    }

    private static InetAddress literal(String text, boolean ipv6) throws IOException {
        boolean looksRight = ipv6 ? text.matches("[0-9a-fA-F:.]+") && text.contains(":") : text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!looksRight) {
            throw new IOException("bad address in PROXY v1 header");
        }
        return InetAddress.getByName(ipv6 ? "[" + text + "]" : text); // a literal: never a DNS lookup
    }

    private static byte[] readExactly(InputStream in, int count) throws IOException {
        byte[] bytes = in.readNBytes(count);
        if (bytes.length < count) {
            throw new EOFException("connection closed in the PROXY header");
        }
        return bytes;
    }
}
