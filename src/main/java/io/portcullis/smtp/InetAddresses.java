package io.portcullis.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Validation of IP address literals without ever touching DNS. */
final class InetAddresses {
    private InetAddresses() {
    }

    /** Snum "." Snum "." Snum "." Snum, each 0-255 (RFC 5321 §4.1.3). */
    static boolean isIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv6(String text) {
        if (text.isEmpty() || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return false;
        }
        try {
            // With brackets InetAddress accepts only an IPv6 literal and never resolves a name.
            InetAddress.getByName("[" + text + "]");
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
