package io.portcullis.delivery;

import io.portcullis.config.Cidr;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Whether an address from a DNS answer is on the public Internet. An MX or A record may name any
 * address, so a domain an attacker controls (a recipient's, or a sender's that gets our DSN) could
 * point our delivery at a host inside our network: loopback, private and shared (CGNAT) ranges,
 * link-local, unique-local, multicast, broadcast and the other special-purpose blocks of the IANA
 * registries (RFC 6890 and later) are not public.
 *
 * <p>An IPv6 address that carries an IPv4 one leads where the IPv4 one does, so that is what is
 * judged: IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96}, NAT64
 * {@code 64:ff9b::/96} (RFC 6052) and 6to4 {@code 2002::/16} (RFC 3056). IPv6 outside global
 * unicast {@code 2000::/3} is not public either.
 */
final class AddressScope {
    private record Block(Cidr network, String name) {
        static Block of(String network, String name) {
            return new Block(Cidr.parse(network), name);
        }
    }

    private static final List<Block> IPV4 = List.of(
            Block.of("0.0.0.0/8", "unspecified (\"this network\")"),
            Block.of("10.0.0.0/8", "private-use"),
            Block.of("100.64.0.0/10", "shared address space (CGNAT)"),
            Block.of("127.0.0.0/8", "loopback"),
            Block.of("169.254.0.0/16", "link-local"),
            Block.of("172.16.0.0/12", "private-use"),
            Block.of("192.0.0.0/24", "IETF protocol assignments"),
            Block.of("192.0.2.0/24", "documentation"),
            Block.of("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
            Block.of("192.168.0.0/16", "private-use"),
            Block.of("198.18.0.0/15", "benchmarking"),
            Block.of("198.51.100.0/24", "documentation"),
            Block.of("203.0.113.0/24", "documentation"),
            Block.of("224.0.0.0/4", "multicast"),
            Block.of("255.255.255.255/32", "broadcast"),
            Block.of("240.0.0.0/4", "reserved"));

    private static final List<Block> IPV6 = List.of(
            Block.of("::/128", "unspecified"),
            Block.of("::1/128", "loopback"),
            Block.of("64:ff9b:1::/48", "local-use NAT64"),
            Block.of("100::/64", "discard-only"),
            Block.of("2001::/32", "Teredo"),
            Block.of("2001:2::/48", "benchmarking"),
            Block.of("2001:10::/28", "ORCHID (deprecated)"),
            Block.of("2001:db8::/32", "documentation"),
            Block.of("3fff::/20", "documentation"),
            Block.of("5f00::/16", "SRv6 segment identifiers"),
            Block.of("fc00::/7", "unique-local"),
            Block.of("fe80::/10", "link-local"),
            Block.of("fec0::/10", "site-local (deprecated)"),
            Block.of("ff00::/8", "multicast"));

    private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");

    private AddressScope() {
    }

    /** Why mail must not go to {@code address} ("loopback", "private-use", ...); empty when it is public. */
    static Optional<String> nonPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return blockOf(IPV4, address);
        }
        Optional<InetAddress> embedded = embeddedIpv4(address);
        if (embedded.isPresent()) {
            return blockOf(IPV4, embedded.get()).map(name -> name + " (IPv4 " + embedded.get().getHostAddress()
                    + " inside IPv6)");
        }
        Optional<String> block = blockOf(IPV6, address);
        if (block.isPresent() || GLOBAL_UNICAST.contains(address)) {
            return block;
        }
        return Optional.of("reserved (outside 2000::/3)");
    }

    /**
     * Is the address in one of the allowed networks? An IPv4-mapped address is the IPv4 address
     * ({@link InetAddress#getByAddress} makes it one); NAT64 and 6to4 ones are not, since they
     * lead through a translator, so allowing {@code 127.0.0.0/8} does not allow {@code 64:ff9b::7f00:1}.
     */
    static boolean isAllowed(List<Cidr> allowed, InetAddress address) {
        return Cidr.anyContains(allowed, address);
    }

    /** The IPv4 address an IPv6 one leads to (mapped, compatible, NAT64, 6to4); empty for others. */
    static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        boolean zeros80 = isZero(bytes, 0, 10);
        int from;
        if (zeros80 && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF) {
            from = 12; // ::ffff:a.b.c.d
        } else if (zeros80 && bytes[10] == 0 && bytes[11] == 0 && !isZero(bytes, 12, 15)) {
            from = 12; // ::a.b.c.d (not :: or ::1, which are judged as IPv6)
        } else if (startsWith(bytes, 0x00, 0x64, 0xFF, 0x9B) && isZero(bytes, 4, 12)) {
            from = 12; // 64:ff9b::a.b.c.d
        } else if (startsWith(bytes, 0x20, 0x02)) {
            from = 2; // 2002:aabb:ccdd::/48
        } else {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(Arrays.copyOfRange(bytes, from, from + 4)));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four octets are always an address
        }
    }

    private static Optional<String> blockOf(List<Block> blocks, InetAddress address) {
        for (Block block : blocks) {
            if (block.network().contains(address)) {
                return Optional.of(block.name());
            }
        }
        return Optional.empty();
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
