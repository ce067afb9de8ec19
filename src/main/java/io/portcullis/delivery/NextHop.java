package io.portcullis.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One address to try: the host name (for TLS verification and logs), its address and port. */
record NextHop(String hostName, InetAddress address, int port) {
    InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        return hostName + "[" + address.getHostAddress() + "]:" + port;
    }
}
