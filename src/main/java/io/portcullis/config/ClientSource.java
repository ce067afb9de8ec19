package io.portcullis.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The unit that per-client limits count (connections per IP, rates, AUTH failures): an IPv4
 * address, or an IPv6 /64. One IPv6 site or host is normally given a whole /64 (RFC 6177), so a
 * client rotating through the addresses of its /64 is still one client. IPv4-mapped IPv6 addresses
 * are IPv4 addresses already ({@link InetAddress#getByAddress(byte[])} returns them as such).
 */
public final class ClientSource {
    private static final int IPV6_PREFIX_OCTETS = 8;

    private ClientSource() {
    }

    /** The address itself for IPv4; for IPv6 the /64 network address (the host part zeroed). */
    public static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        Arrays.fill(bytes, IPV6_PREFIX_OCTETS, bytes.length, (byte) 0);
        try {
            return InetAddress.getByAddress(bytes); // no scope id: fe80::1%eth0 and %eth1 are one link-local /64
        } catch (UnknownHostException e) {
            throw new AssertionError("16 octets are always an IPv6 address", e);
        }
    }

    /** For logs: {@code 192.0.2.1} or {@code 2001:db8:1:2::/64}. */
    public static String describe(InetAddress address) {
        InetAddress source = of(address);
        return source instanceof Inet6Address ? compact(source) + "/64" : source.getHostAddress();
    }

    private static String compact(InetAddress ipv6) {
        byte[] b = ipv6.getAddress();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < IPV6_PREFIX_OCTETS; i += 2) {
            text.append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF))).append(':');
        }
        return text.append(':').toString();
    }
}
