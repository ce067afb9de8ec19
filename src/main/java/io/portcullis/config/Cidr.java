package io.portcullis.config;

import java.net.InetAddress;

/** An IPv4 or IPv6 network: {@code 192.0.2.0/24}, {@code 2001:db8::/32}, or one address. */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** Parses the text, or returns null when it is not a network. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        InetAddress address = IpLiteral.parse(slash < 0 ? text : text.substring(0, slash));
        if (address == null) {
            return null;
        }
        byte[] bytes = address.getAddress();
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                return null;
            }
        }
        return new Cidr(bytes, prefix, text);
    }

    /** Is the address in any of the networks? */
    public static boolean anyContains(java.util.List<Cidr> networks, InetAddress address) {
        for (Cidr network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest);
        return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
