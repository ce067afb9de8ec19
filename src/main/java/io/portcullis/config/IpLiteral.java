package io.portcullis.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP address literals from configuration; never a name, so loading a config never touches DNS. */
public final class IpLiteral {
    private IpLiteral() {
    }

    /** {@code 192.0.2.1}, {@code 2001:db8::1} or {@code [2001:db8::1]}; null when it is not one. */
    public static InetAddress parse(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        try {
            if (bare.contains(":")) {
                return InetAddress.getByName("[" + bare + "]");
            }
            if (bare.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                for (String octet : bare.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return null;
                    }
                }
                return InetAddress.getByName(bare);
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }
}
