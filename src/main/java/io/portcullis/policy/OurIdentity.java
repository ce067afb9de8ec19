package io.portcullis.policy;

import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.smtp.DomainName;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * What a client claiming to be this gateway would name in EHLO: our names (the gateway's and every
 * listener's hostname, our domains) and our addresses (every listener's bound address; a wildcard
 * bind stands for the addresses of every local interface). Loopback addresses are always ours.
 *
 * @param names     canonical domain names (A-labels, lower case)
 * @param addresses the addresses our listeners accept connections on
 */
public record OurIdentity(Set<String> names, Set<InetAddress> addresses) {
    public static final OurIdentity NONE = new OurIdentity(Set.of(), Set.of());

    public OurIdentity {
        names = Set.copyOf(names);
        addresses = Set.copyOf(addresses);
    }

    public static OurIdentity of(GatewayConfig config) {
        Set<String> names = new LinkedHashSet<>();
        addName(names, config.hostname());
        config.routes().localDomains().forEach(domain -> addName(names, domain));
        Set<InetAddress> addresses = new LinkedHashSet<>();
        boolean wildcard = false;
        for (ListenerConfig listener : config.listeners()) {
            addName(names, listener.hostname());
            for (InetSocketAddress bind : listener.bind()) {
                if (bind.getAddress() == null || bind.getAddress().isAnyLocalAddress()) {
                    wildcard = true;
                } else {
                    addresses.add(bind.getAddress());
                }
            }
        }
        if (wildcard) {
            addresses.addAll(interfaceAddresses());
        }
        return new OurIdentity(names, addresses);
    }

    public boolean isOurName(String canonicalName) {
        return names.contains(canonicalName);
    }

    public boolean isOurAddress(InetAddress address) {
        return address.isLoopbackAddress() || address.isAnyLocalAddress() || addresses.contains(address);
    }

    private static void addName(Set<String> names, String name) {
        String canonical = name == null ? null : DomainName.canonical(name);
        if (canonical != null) {
            names.add(canonical);
        }
    }

    private static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        try {
            NetworkInterface.networkInterfaces().forEach(network -> network.inetAddresses().forEach(addresses::add));
        } catch (SocketException e) {
            LoggerFactory.getLogger(OurIdentity.class).warn("cannot list the network interfaces' addresses: {}", e.toString());
        }
        return addresses;
    }
}
