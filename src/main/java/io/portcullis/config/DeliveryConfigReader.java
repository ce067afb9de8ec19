package io.portcullis.config;

import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SyntaxException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads {@code domains}, {@code connectors}, {@code routes} and {@code delivery}. */
final class DeliveryConfigReader {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final String TLS_LEVELS = "none, may, encrypt, verify, secure, dane or dane-only"
            + " (opportunistic is may, required is verify)";
    private static final Pattern RATE = Pattern.compile("(\\d{1,9})\\s*/\\s*(s|m|h)");

    private final YamlMap top;
    private final ConfigErrors errors;
    private final Path base;
    /** Where a connector asks for DANE: checked against {@code delivery.dns-resolver} once that is read. */
    private final Map<String, Node> daneKeys = new LinkedHashMap<>();

    DeliveryConfigReader(YamlMap top, Path base) {
        this.top = top;
        this.errors = top.errors();
        this.base = base;
    }

    List<String> domains() {
        List<Node> nodes = top.list("domains");
        List<String> domains = YamlMap.scalars(errors, "domains", nodes);
        for (int i = 0; i < domains.size(); i++) {
            try {
                PathParser.parseDomain(domains.get(i));
            } catch (SyntaxException e) {
                errors.add(nodes.get(i), "domains[" + i + "]", "\"" + domains.get(i) + "\" is not a domain: " + e.getMessage());
            }
        }
        return domains;
    }

    List<ConnectorConfig> connectors() {
        List<ConnectorConfig> connectors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Node> nodes = top.list("connectors");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, "connectors[" + i + "]", nodes.get(i));
            String name = map.requiredString("name", nodes.get(i));
            if (name != null && (!NAME.matcher(name).matches() || !names.add(name))) {
                errors.add(map.node("name"), map.keyPath("name"), "a connector name is unique, lower-case letters, digits and '-'");
            }
            String type = map.requiredString("type", nodes.get(i));
            ConnectorConfig connector = switch (type == null ? "" : type) {
                case "smarthost" -> {
                    if (map.has("allow-internal-addresses")) {
                        errors.add(map.node("allow-internal-addresses"), map.keyPath("allow-internal-addresses"),
                                "only mx connectors check addresses from DNS; a smarthost may be at any address");
                    }
                    yield new ConnectorConfig.Smarthost(name, hosts(map), smtpOptions(map));
                }
                case "mx" -> new ConnectorConfig.Mx(name, map.integer("port", 25, 1, 65535), smtpOptions(map),
                        PolicyConfigReader.networks(map, "allow-internal-addresses"));
                case "drop" -> {
                    String folder = map.requiredString("folder", nodes.get(i));
                    yield new ConnectorConfig.Drop(name, folder == null ? null : Path.of(folder));
                }
                default -> {
                    if (type != null) {
                        errors.add(map.node("type"), map.keyPath("type"), "expected smarthost, mx or drop, got \"" + type + "\"");
                    }
                    yield null;
                }
            };
            map.finish();
            if (connector != null) {
                connectors.add(connector);
            }
        }
        return connectors;
    }

    private List<ConnectorConfig.Host> hosts(YamlMap connector) {
        List<ConnectorConfig.Host> hosts = new ArrayList<>();
        List<Node> nodes = connector.list("hosts");
        if (nodes.isEmpty()) {
            errors.add(connector.keyNode("hosts"), connector.keyPath("hosts"), "a smarthost needs at least one host");
        }
        for (int i = 0; i < nodes.size(); i++) {
            String path = connector.keyPath("hosts") + "[" + i + "]";
            if (nodes.get(i) instanceof ScalarNode scalar) {
                String text = scalar.getValue();
                int colon = text.lastIndexOf(':');
                String host = colon > 0 && !text.endsWith("]") ? text.substring(0, colon) : text;
                int port = 25;
                if (colon > 0 && !text.endsWith("]")) {
                    try {
                        port = Integer.parseInt(text.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                }
                if (port < 1 || port > 65535) {
                    errors.add(scalar, path, "\"" + text + "\" needs a port from 1 to 65535");
                }
                hosts.add(new ConnectorConfig.Host(checkHost(scalar, path, host), port, 0));
            } else {
                YamlMap map = new YamlMap(errors, path, nodes.get(i));
                String host = map.requiredString("host", nodes.get(i));
                hosts.add(new ConnectorConfig.Host(checkHost(map.node("host"), map.keyPath("host"), host),
                        map.integer("port", 25, 1, 65535), map.integer("priority", 0, 0, 65535)));
                map.finish();
            }
        }
        return hosts;
    }

    private String checkHost(Node node, String path, String host) {
        if (host == null) {
            return null;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            PathParser.parseDomain(bare);
        } catch (SyntaxException e) {
            if (!bare.contains(":")) {
                errors.add(node, path, "\"" + host + "\" is neither a host name nor an IP address");
            }
        }
        return bare;
    }

    private ConnectorConfig.SmtpOptions smtpOptions(YamlMap map) {
        InetAddress source = null;
        String sourceText = map.string("source-address", null);
        if (sourceText != null) {
            source = IpLiteral.parse(sourceText);
            if (source == null) {
                errors.add(map.node("source-address"), map.keyPath("source-address"), "expected an IP address, got \"" + sourceText + "\"");
            }
        }
        String tlsText = map.string("tls", "opportunistic");
        ConnectorConfig.TlsPolicy tls = ConnectorConfig.TlsPolicy.parse(tlsText);
        if (tls == null) {
            errors.add(map.node("tls"), map.keyPath("tls"), "expected " + TLS_LEVELS + ", got \"" + tlsText + "\"");
            tls = ConnectorConfig.TlsPolicy.MAY;
        }
        Map<String, ConnectorConfig.TlsPolicy> tlsPolicies = tlsPolicies(map.map("tls-policy"));
        if (tls.usesDane()) {
            daneKeys.put(map.keyPath("tls"), map.node("tls"));
        }
        if (tlsPolicies.values().stream().anyMatch(ConnectorConfig.TlsPolicy::usesDane)) {
            daneKeys.put(map.keyPath("tls-policy"), map.keyNode("tls-policy"));
        }
        Path trustPath = map.readableFile("tls-trust", base);
        YamlMap auth = map.map("auth");
        String username = auth.string("username", null);
        String password = auth.string("password", null);
        if ((username == null) != (password == null)) {
            errors.add(map.node("auth"), map.keyPath("auth"), "give both username and password");
        }
        if (username != null && (!tls.authenticates() || tlsPolicies.values().stream().anyMatch(p -> !p.authenticates()))) {
            // Opportunistic TLS accepts any certificate: a man in the middle would be handed the password.
            errors.add(map.keyNode("auth"), map.keyPath("auth"), "auth needs tls: required (a verified certificate), got tls: "
                    + (tls.authenticates() ? "a tls-policy entry that does not verify" : tlsText.trim().toLowerCase(Locale.ROOT))
                    + " (verify and secure check the certificate against the CA trust; required is verify)");
        }
        auth.finish();
        ConnectorConfig.SmtpOptions options = new ConnectorConfig.SmtpOptions(source, tls, trustPath, username, password,
                map.integer("max-connections-per-destination", 20, 1, 10_000), rate(map), timeouts(map.map("timeouts")),
                tlsPolicies);
        return options;
    }

    /**
     * {@code tls-policy}: destination → level, like Postfix's {@code smtp_tls_policy_maps}. A key
     * is a domain (the recipient domain for MX delivery, the host name for a smarthost) or
     * {@code .domain} for every sub-domain of it.
     */
    private Map<String, ConnectorConfig.TlsPolicy> tlsPolicies(YamlMap map) {
        Map<String, ConnectorConfig.TlsPolicy> policies = new LinkedHashMap<>();
        for (String key : map.keys()) {
            String text = map.string(key, null);
            String domain = key.startsWith(".") ? key.substring(1) : key;
            try {
                PathParser.parseDomain(domain);
            } catch (SyntaxException e) {
                errors.add(map.keyNode(key), map.keyPath(key), "\"" + key + "\" must be a domain or .domain (its sub-domains)");
                continue;
            }
            ConnectorConfig.TlsPolicy level = text == null ? null : ConnectorConfig.TlsPolicy.parse(text);
            if (level == null) {
                errors.add(map.node(key) == null ? map.keyNode(key) : map.node(key), map.keyPath(key),
                        "expected " + TLS_LEVELS + ", got \"" + text + "\"");
                continue;
            }
            policies.put(key.toLowerCase(Locale.ROOT), level);
        }
        map.finish();
        return policies;
    }

    /**
     * {@code connect, greeting, command, data-block, final}; {@code data} is the old name of
     * {@code final} (it always meant the wait for the reply after the message) and still reads.
     */
    private ConnectorConfig.Timeouts timeouts(YamlMap map) {
        ConnectorConfig.Timeouts defaults = ConnectorConfig.Timeouts.DEFAULT;
        if (map.has("data") && map.has("final")) {
            errors.add(map.node("data"), map.keyPath("data"), "data is the old name of final: give only final");
        }
        String finalKey = map.has("data") ? "data" : "final";
        ConnectorConfig.Timeouts timeouts = new ConnectorConfig.Timeouts(timeout(map, "connect", defaults.connect()),
                timeout(map, "greeting", defaults.greeting()), timeout(map, "command", defaults.command()),
                timeout(map, "data-block", defaults.dataBlock()), timeout(map, finalKey, defaults.finalReply()));
        map.finish();
        return timeouts;
    }

    /** A timeout from 1 ms to 1 h: zero would mean "wait for ever" to a socket. */
    private Duration timeout(YamlMap map, String key, Duration defaultValue) {
        Duration value = map.duration(key, defaultValue);
        if (value.isZero() || value.compareTo(Duration.ofHours(1)) > 0) {
            errors.add(map.node(key), map.keyPath(key), "expected a timeout from 1ms to 1h, got \"" + map.string(key, "") + "\"");
            return defaultValue;
        }
        return value;
    }

    /** "100/m" messages per minute (also /s, /h); absent means unlimited. */
    private int rate(YamlMap map) {
        String text = map.string("rate-per-destination", null);
        if (text == null) {
            return 0;
        }
        Matcher m = RATE.matcher(text.trim());
        if (!m.matches()) {
            errors.add(map.node("rate-per-destination"), map.keyPath("rate-per-destination"),
                    "expected a rate such as 100/m, 5/s or 1000/h, got \"" + text + "\"");
            return 0;
        }
        long count = Long.parseLong(m.group(1));
        long perMinute = switch (m.group(2)) {
            case "s" -> count * 60;
            case "h" -> Math.max(1, count / 60);
            default -> count;
        };
        return (int) Math.min(Integer.MAX_VALUE, perMinute);
    }

    List<RouteConfig> routes(List<ConnectorConfig> connectors, List<ListenerConfig> listeners) {
        Set<String> connectorNames = new HashSet<>();
        connectors.forEach(c -> connectorNames.add(c.name()));
        Set<String> flows = new HashSet<>(GatewayConfig.RESERVED_FLOWS);
        listeners.forEach(l -> flows.add(l.flow()));
        List<RouteConfig> routes = new ArrayList<>();
        List<Node> nodes = top.list("routes");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, "routes[" + i + "]", nodes.get(i));
            List<Node> domainNodes = map.list("domains");
            List<String> domains = YamlMap.scalars(errors, map.keyPath("domains"), domainNodes);
            if (domains.isEmpty()) {
                errors.add(nodes.get(i), map.keyPath("domains"), "a route needs at least one domain pattern");
            }
            for (int d = 0; d < domains.size(); d++) {
                String pattern = domains.get(d);
                String domain = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
                try {
                    if (!pattern.equals("*")) {
                        PathParser.parseDomain(domain);
                    }
                } catch (SyntaxException e) {
                    errors.add(domainNodes.get(d), map.keyPath("domains"),
                            "\"" + pattern + "\" must be a domain, *.domain or *");
                }
            }
            String connector = map.requiredString("connector", nodes.get(i));
            if (connector != null && !connectorNames.contains(connector)) {
                errors.add(map.node("connector"), map.keyPath("connector"), "no connector is named \"" + connector + "\"");
            }
            List<Node> flowNodes = map.list("flows");
            List<String> routeFlows = YamlMap.scalars(errors, map.keyPath("flows"), flowNodes);
            for (int f = 0; f < routeFlows.size(); f++) {
                if (!flows.contains(routeFlows.get(f))) {
                    errors.add(flowNodes.get(f), map.keyPath("flows"), "no listener has the flow \"" + routeFlows.get(f)
                            + "\" (known: " + String.join(", ", flows) + ")");
                }
            }
            map.finish();
            routes.add(new RouteConfig(domains, connector, routeFlows));
        }
        return routes;
    }

    DeliveryConfig delivery() {
        YamlMap map = top.map("delivery");
        List<Duration> retry = new ArrayList<>();
        List<Node> nodes = map.list("retry");
        for (int i = 0; i < nodes.size(); i++) {
            Duration duration = durationOf(nodes.get(i), map.keyPath("retry") + "[" + i + "]");
            if (duration != null) {
                retry.add(duration);
            }
        }
        if (retry.isEmpty()) {
            retry.addAll(DeliveryConfig.DEFAULT_RETRY);
        }
        Duration lifetime = map.duration("max-queue-lifetime", Duration.ofDays(5));
        String warning = map.string("delay-warning", "off");
        Duration delayWarning = warning.equals("off") ? null : map.duration("delay-warning", null);
        int maxDeliveries = map.integer("max-deliveries", 100, 1, 10_000);
        long bounceLimit = map.size("bounce-content-limit", 1024 * 1024);
        boolean queueOnly = map.bool("queue-only", false);
        InetSocketAddress resolver = null;
        String resolverText = map.string("dns-resolver", null);
        if (resolverText != null) {
            int colon = resolverText.lastIndexOf(':');
            InetAddress address = IpLiteral.parse(colon > 0 ? resolverText.substring(0, colon) : resolverText);
            int port = 53;
            try {
                port = colon > 0 ? Integer.parseInt(resolverText.substring(colon + 1)) : 53;
            } catch (NumberFormatException e) {
                address = null;
            }
            if (address == null || port < 1 || port > 65535) {
                errors.add(map.node("dns-resolver"), map.keyPath("dns-resolver"),
                        "expected IP:port of a DNS server, such as 127.0.0.1:53, got \"" + resolverText + "\"");
            } else {
                resolver = new InetSocketAddress(address, port);
            }
        }
        Path trustAnchors = map.readableFile("dnssec-trust-anchors", base);
        if (!daneKeys.isEmpty() && trustAnchors == null && (resolver == null || !resolver.getAddress().isLoopbackAddress())) {
            String got = resolver == null ? "the system's resolvers" : resolverText;
            // DANE trusts the AD bit of the resolver's answers; only a resolver on this host can
            // vouch for them (the path to any other is as forgeable as the answers themselves).
            daneKeys.forEach((path, node) -> errors.add(node, path, "dane needs delivery.dns-resolver: a validating resolver on"
                    + " loopback (such as unbound on 127.0.0.1:53), whose AD bit says the answers are DNSSEC-validated, or"
                    + " delivery.dnssec-trust-anchors to validate in process; got "
                    + got));
        }
        map.finish();
        return new DeliveryConfig(retry, lifetime, delayWarning, maxDeliveries, resolver, bounceLimit, queueOnly, trustAnchors);
    }

    private Duration durationOf(Node node, String path) {
        if (!(node instanceof ScalarNode scalar)) {
            errors.add(node, path, "expected a duration");
            return null;
        }
        Duration parsed = YamlMap.parseDuration(scalar.getValue());
        if (parsed == null || parsed.isZero()) {
            errors.add(node, path, "expected a duration such as 30s, 5m or 2h, got \"" + scalar.getValue() + "\"");
        }
        return parsed;
    }
}
