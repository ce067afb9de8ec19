package io.portcullis.delivery;

import io.portcullis.config.ConnectorConfig;
import io.portcullis.config.GatewayConfig;
import io.portcullis.delivery.dane.DaneLookup;
import io.portcullis.observe.Telemetry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Builds the configured connectors. */
public final class Connectors {
    private Connectors() {
    }

    /**
     * @param dataDirectory   drop folders are relative to it
     * @param ownAddresses    the addresses our listeners are bound to, to recognise a next hop that is us
     */
    /**
     * Why an address from a DNS answer (or a URI in one) must not be reached, as the MX connectors
     * judge it: not on the public Internet ({@link AddressScope}) and in no mx connector's {@code
     * allow-internal-addresses}; empty when it may be. For the MTA-STS policy fetch and the TLS-RPT
     * {@code https:} report post, whose host a recipient domain names.
     */
    public static java.util.function.Function<InetAddress, java.util.Optional<String>> internalAddressRule(GatewayConfig config) {
        List<io.portcullis.config.Cidr> allowed = config.connectors().stream()
                .filter(ConnectorConfig.Mx.class::isInstance).map(ConnectorConfig.Mx.class::cast)
                .flatMap(mx -> mx.allowInternalAddresses().stream()).toList();
        return address -> AddressScope.isAllowed(allowed, address) ? java.util.Optional.empty() : AddressScope.nonPublic(address);
    }

    public static Map<String, Connector> create(GatewayConfig config, Path dataDirectory,
                                                Supplier<List<InetSocketAddress>> ownAddresses, Telemetry telemetry)
            throws IOException {
        return create(config, dataDirectory, ownAddresses, telemetry, null);
    }

    /** @param mtaSts MTA-STS and TLS reporting for MX connectors, or null for none */
    public static Map<String, Connector> create(GatewayConfig config, Path dataDirectory,
                                                Supplier<List<InetSocketAddress>> ownAddresses, Telemetry telemetry,
                                                io.portcullis.delivery.tls.MtaStsService mtaSts)
            throws IOException {
        MxResolver resolver = new MxResolver(config.delivery().resolver());
        // DANE trusts the AD bit only from a resolver on this host (the config reader insists on
        // one wherever a dane level is set); without one, no connector does DANE.
        InetSocketAddress validating = config.delivery().resolver();
        DaneLookup dane = config.delivery().dnssecTrustAnchors() != null
                ? DaneLookup.validating(validating, config.delivery().dnssecTrustAnchors())
                : validating != null && validating.getAddress().isLoopbackAddress() ? DaneLookup.trustingResolver(validating) : null;
        Predicate<NextHop> isThisGateway = hop -> isOwn(hop, ownAddresses.get());
        Map<String, Connector> connectors = new LinkedHashMap<>();
        for (ConnectorConfig connector : config.connectors()) {
            connectors.put(connector.name(), switch (connector) {
                case ConnectorConfig.Drop drop -> new DropConnector(drop.name(), dataDirectory.resolve(drop.folder()));
                case ConnectorConfig.Smarthost smarthost ->
                        new SmtpConnector(smarthost, smarthost.options(), config.hostname(), resolver, isThisGateway, dane,
                                null, telemetry);
                case ConnectorConfig.Mx mx ->
                        new SmtpConnector(mx, mx.options(), config.hostname(), resolver, isThisGateway, dane, mtaSts, telemetry);
            });
        }
        connectors.values().forEach(connector -> {
            if (connector instanceof SmtpConnector smtp) {
                telemetry.gauge("portcullis.connector.connections.open", "connections to next hops open now",
                        List.of("connector", smtp.name()), smtp, SmtpConnector::openConnections);
            }
        });
        return connectors;
    }

    /** Is this next hop one of our own listeners (a mail loop, RFC 5321 §5.1)? */
    static boolean isOwn(NextHop hop, List<InetSocketAddress> own) {
        for (InetSocketAddress listener : own) {
            if (listener.getPort() != hop.port()) {
                continue;
            }
            InetAddress bound = listener.getAddress();
            if (bound.equals(hop.address()) || (bound.isAnyLocalAddress() && isLocal(hop.address()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLocal(InetAddress address) {
        try {
            return address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
