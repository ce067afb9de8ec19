package io.portcullis.config;

import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the YAML configuration into {@link GatewayConfig}. The whole file is checked before
 * anything is returned; all errors are reported together, each naming file, line and key.
 * Relative paths in the file are relative to the file's own directory.
 */
public final class ConfigLoader {
    public static final String EMBEDDED_DEFAULT = "embedded default";
    private static final String DEFAULT_RESOURCE = "/io/portcullis/config/default.yaml";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** The largest header section a listener may be configured to take (content checks hold it in memory). */
    private static final long MAX_HEADER_SIZE = 16L * 1024 * 1024;

    private ConfigLoader() {
    }

    public static GatewayConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read the configuration file: " + e.getMessage()));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(file.toString(), text, base);
    }

    /** The configuration used when no file is given: a loopback-only demo (see default.yaml). */
    public static GatewayConfig embeddedDefault() throws ConfigException {
        return parse(EMBEDDED_DEFAULT, embeddedDefaultText(), Path.of("."));
    }

    public static String embeddedDefaultText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the embedded default configuration is missing from the jar", e);
        }
    }

    static GatewayConfig parse(String source, String text, Path base) throws ConfigException {
        ConfigErrors errors = new ConfigErrors(source);
        Node root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(source).build()).composeString(text).orElse(null);
        } catch (MarkedYamlEngineException e) {
            String line = e.getProblemMark().map(mark -> ":" + (mark.getLine() + 1)).orElse("");
            throw new ConfigException(List.of(source + line + ": not valid YAML: " + e.getProblem()));
        } catch (YamlEngineException e) {
            throw new ConfigException(List.of(source + ": not valid YAML: " + e.getMessage()));
        }
        if (root == null) {
            throw new ConfigException(List.of(source + ": the configuration is empty"));
        }
        YamlMap top = new YamlMap(errors, "", root);
        ClusterConfig cluster = ClusterConfig.read(top);
        String hostname = top.string("hostname", defaultHostname());
        checkDomain(errors, top, "hostname", hostname);
        YamlMap spoolMap = top.map("spool");
        SpoolConfig spool = new SpoolConfig(spoolMap.size("min-free-space", SpoolConfig.DEFAULT_MIN_FREE_SPACE));
        spoolMap.finish();
        java.util.Map<String, CheckConfig> checks = ContentConfigReader.checks(top, base, hostname);
        java.util.Map<String, PhaseCheckConfig> phaseChecks = PhaseConfigReader.checks(top, base);
        List<ListenerConfig> listeners = listeners(top, root, hostname, base, checks, phaseChecks);
        DeliveryConfigReader delivery = new DeliveryConfigReader(top, base);
        List<String> domains = delivery.domains();
        List<ConnectorConfig> connectors = delivery.connectors();
        RouteTable routes = new RouteTable(domains, delivery.routes(connectors, listeners));
        DeliveryConfig deliveryConfig = delivery.delivery();
        Directory directory = PolicyConfigReader.directory(top, base);
        YamlMap tracking = top.map("tracking");
        java.time.Duration retention = tracking.duration("retention", java.time.Duration.ofDays(30));
        if (retention.toDays() < 1) {
            errors.add(tracking.node("retention"), tracking.keyPath("retention"), "must be at least 1d");
        }
        tracking.finish();
        AdminConfig admin = admin(top, errors);
        MtaStsConfig mtaSts = MtaStsConfigReader.mtaSts(top, base);
        TlsReportConfig tlsReports = MtaStsConfigReader.tlsReports(top, hostname);
        java.time.Duration shutdownTimeout = top.duration("shutdown-timeout", GatewayConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        if (shutdownTimeout.isNegative() || shutdownTimeout.toHours() >= 1) {
            errors.add(top.node("shutdown-timeout"), top.keyPath("shutdown-timeout"), "must be from 0s to 59m");
        }
        LoggingConfig logging = logging(top, base);
        QuarantineConfig quarantine = QuarantineConfig.read(top);
        SharedStateConfig sharedState = SharedStateConfig.read(top, base);
        DatabaseConfig database = DatabaseConfig.read(top, base);
        top.finish();
        errors.throwIfAny();
        return new GatewayConfig(source, hostname, spool, listeners, routes, connectors, deliveryConfig, directory, retention,
                admin, checks, phaseChecks, mtaSts, tlsReports, shutdownTimeout, logging, quarantine, cluster, sharedState,
                database);
    }

    /** {@code logging:} level, file (path, max-size, max-history) and syslog (host, port, facility). */
    private static LoggingConfig logging(YamlMap top, Path base) {
        LoggingConfig defaults = LoggingConfig.DEFAULT;
        YamlMap map = top.map("logging");
        String level = map.string("level", null);
        level = level == null ? null : level.toLowerCase(java.util.Locale.ROOT);
        if (level != null && !LoggingConfig.LEVELS.contains(level)) {
            map.errors().add(map.node("level"), map.keyPath("level"), "expected one of " + LoggingConfig.LEVELS);
            level = defaults.level();
        }
        YamlMap file = map.map("file");
        String path = file.string("path", null);
        long maxSize = file.size("max-size", defaults.fileMaxSize());
        if (maxSize < 1024 * 1024) {
            map.errors().add(file.node("max-size"), file.keyPath("max-size"), "must be at least 1MB");
        }
        int maxHistory = file.integer("max-history", defaults.fileMaxHistory(), 1, 3650);
        if (path == null && file.has("max-size") | file.has("max-history")) {
            map.errors().add(map.node("file"), file.keyPath("path"), "required key is missing");
        }
        file.finish();
        YamlMap syslog = map.map("syslog");
        String host = syslog.string("host", null);
        int port = syslog.integer("port", defaults.syslogPort(), 1, 65535);
        String facility = syslog.string("facility", defaults.syslogFacility()).toLowerCase(java.util.Locale.ROOT);
        if (!LoggingConfig.FACILITIES.contains(facility)) {
            map.errors().add(syslog.node("facility"), syslog.keyPath("facility"), "expected one of " + LoggingConfig.FACILITIES);
            facility = defaults.syslogFacility();
        }
        if (host == null && (syslog.has("port") | syslog.has("facility"))) {
            map.errors().add(map.node("syslog"), syslog.keyPath("host"), "required key is missing");
        }
        syslog.finish();
        map.finish();
        return new LoggingConfig(level, path == null ? null : base.resolve(path).normalize(), maxSize, maxHistory, host, port,
                facility);
    }

    private static AdminConfig admin(YamlMap top, ConfigErrors errors) {
        if (!top.has("admin")) {
            top.map("admin").finish();
            return AdminConfig.OFF;
        }
        YamlMap map = top.map("admin");
        String bindText = map.requiredString("bind", top.node("admin"));
        InetSocketAddress bind = bindText == null ? null : parseBind(bindText, errors, map.node("bind"), map.keyPath("bind"));
        String token = map.string("token", null);
        String tokenProblem = token == null ? null : AdminConfig.tokenProblem(token);
        if (tokenProblem != null) {
            errors.add(map.node("token"), map.keyPath("token"), tokenProblem);
        }
        AdminConfig defaults = AdminConfig.withDefaults(bind, token);
        int maxConnections = map.integer("max-connections", defaults.maxConnections(), 1, 10_000);
        int threads = map.integer("threads", defaults.threads(), 4, 1000);
        java.time.Duration idleTimeout = positive(map, "idle-timeout", defaults.idleTimeout());
        java.time.Duration requestTimeout = positive(map, "request-timeout", defaults.requestTimeout());
        long maxHeaderSize = map.size("max-header-size", defaults.maxHeaderSize());
        if (maxHeaderSize < 1024 || maxHeaderSize > 1024 * 1024) {
            errors.add(map.node("max-header-size"), map.keyPath("max-header-size"), "must be from 1KB to 1MB");
        }
        long maxBodySize = map.size("max-body-size", defaults.maxBodySize());
        if (maxBodySize < 0 || maxBodySize > 64 * 1024 * 1024) {
            errors.add(map.node("max-body-size"), map.keyPath("max-body-size"), "must be from 0 to 64MB");
        }
        map.finish();
        return new AdminConfig(bind, token, maxConnections, idleTimeout, requestTimeout, (int) maxHeaderSize,
                (int) maxBodySize, threads);
    }

    private static java.time.Duration positive(YamlMap map, String key, java.time.Duration defaultValue) {
        java.time.Duration value = map.duration(key, defaultValue);
        if (value.toMillis() < 1) {
            map.errors().add(map.node(key), map.keyPath(key), "must be longer than 0");
            return defaultValue;
        }
        return value;
    }

    private static List<ListenerConfig> listeners(YamlMap top, Node root, String hostname, Path base,
                                                      java.util.Map<String, CheckConfig> checks,
                                                      java.util.Map<String, PhaseCheckConfig> phaseChecks) {
        ConfigErrors errors = top.errors();
        List<Node> nodes = top.list("listeners");
        if (nodes.isEmpty()) {
            errors.add(top.keyNode("listeners") == null ? root : top.keyNode("listeners"), "listeners",
                    "at least one listener is required");
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, "listeners[" + i + "]", nodes.get(i));
            String name = map.requiredString("name", nodes.get(i));
            if (name != null && !NAME.matcher(name).matches()) {
                errors.add(map.node("name"), map.keyPath("name"), "a name is lower-case letters, digits and '-'");
            } else if (name != null && !names.add(name)) {
                errors.add(map.node("name"), map.keyPath("name"), "another listener is already named \"" + name + "\"");
            }
            String flow = map.string("flow", name);
            if (flow != null && !NAME.matcher(flow).matches()) {
                errors.add(map.node("flow"), map.keyPath("flow"), "a flow tag is lower-case letters, digits and '-'");
            } else if (GatewayConfig.RESERVED_FLOWS.contains(flow)) {
                errors.add(map.node("flow"), map.keyPath("flow"), "the flow \"" + flow + "\" is reserved for mail the gateway generates");
            }
            List<InetSocketAddress> bind = new ArrayList<>();
            List<Node> bindNodes = map.list("bind");
            if (bindNodes.isEmpty()) {
                errors.add(nodes.get(i), map.keyPath("bind"), "required key is missing (address:port, e.g. 127.0.0.1:2525)");
            }
            List<String> bindTexts = YamlMap.scalars(errors, map.keyPath("bind"), bindNodes);
            for (int b = 0; b < bindTexts.size(); b++) {
                InetSocketAddress address = parseBind(bindTexts.get(b), errors, bindNodes.get(b), map.keyPath("bind"));
                if (address != null) {
                    if (address.getPort() != 0 && !addresses.add(address)) {
                        errors.add(bindNodes.get(b), map.keyPath("bind"), "address " + bindTexts.get(b) + " is bound twice");
                    }
                    bind.add(address);
                }
            }
            String listenerHostname = map.string("hostname", hostname);
            checkDomain(errors, map, "hostname", listenerHostname);
            TlsConfig tls = TlsConfigReader.tls(map, base);
            ListenerLimits limits = limits(map.map("limits"));
            ListenerPolicy policy = PolicyConfigReader.listenerPolicy(map);
            ContentChainConfig content = ContentConfigReader.chain(map, checks, limits.maxMessageSize());
            ListenerPhases phases = PhaseConfigReader.listenerPhases(map, phaseChecks);
            map.finish();
            listeners.add(new ListenerConfig(name, flow, bind, listenerHostname, tls, limits, policy, content, phases));
        }
        return listeners;
    }

    private static ListenerLimits limits(YamlMap map) {
        ListenerLimits d = ListenerLimits.DEFAULTS;
        ListenerLimits limits = new ListenerLimits(
                map.integer("max-connections", d.maxConnections(), 1, 1_000_000),
                map.integer("max-connections-per-ip", d.maxConnectionsPerIp(), 1, 1_000_000),
                map.size("max-message-size", d.maxMessageSize()),
                map.integer("max-recipients", d.maxRecipients(), 1, 100_000),
                map.integer("max-line-length", d.maxLineLength(), 512, 1_000_000),
                map.integer("max-errors", d.maxErrors(), 1, 1000),
                map.integer("max-received-headers", d.maxReceivedHeaders(), 1, 1000),
                map.duration("command-timeout", d.commandTimeout()),
                map.duration("data-timeout", d.dataTimeout()),
                map.duration("greeting-delay", d.greetingDelay()),
                map.integer("max-junk-commands", d.maxJunkCommands(), 1, 1_000_000),
                map.integer("max-transactions", d.maxTransactions(), 1, 100_000_000),
                map.duration("max-session-time", d.maxSessionTime()),
                map.size("max-header-size", d.maxHeaderSize()),
                map.duration("proxy-header-timeout", d.proxyHeaderTimeout()));
        if (limits.maxMessageSize() < 1024) {
            map.errors().add(map.node("max-message-size"), map.keyPath("max-message-size"), "must be at least 1KB");
        }
        if (limits.maxHeaderSize() < 1024 || limits.maxHeaderSize() > MAX_HEADER_SIZE) {
            map.errors().add(map.node("max-header-size"), map.keyPath("max-header-size"), "must be from 1KB to 16MB");
        }
        for (String key : List.of("command-timeout", "data-timeout", "max-session-time", "proxy-header-timeout")) {
            if (map.has(key) && map.duration(key, null) != null && map.duration(key, null).toMillis() < 1000) {
                map.errors().add(map.node(key), map.keyPath(key), "must be at least 1s");
            }
        }
        map.finish();
        return limits;
    }

    /** {@code 127.0.0.1:25}, {@code [::1]:25} or {@code *:25}; IP literals only, never a DNS lookup. */
    private static InetSocketAddress parseBind(String text, ConfigErrors errors, Node node, String key) {
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        String portText = colon < 0 ? "" : text.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            errors.add(node, key, "\"" + text + "\" needs a port from 1 to 65535, as in 127.0.0.1:2525 or [::1]:2525");
            return null;
        }
        if (host.equals("*")) {
            return new InetSocketAddress(port);
        }
        InetAddress address = IpLiteral.parse(host);
        if (address != null) {
            return new InetSocketAddress(address, port);
        }
        errors.add(node, key, "\"" + text + "\" needs an IP address: 127.0.0.1:2525, [::1]:2525 or *:2525");
        return null;
    }

    private static void checkDomain(ConfigErrors errors, YamlMap map, String key, String domain) {
        if (domain == null) {
            return;
        }
        try {
            PathParser.parseDomain(domain);
        } catch (SyntaxException e) {
            errors.add(map.node(key), map.keyPath(key), "\"" + domain + "\" is not a valid host name: " + e.getMessage());
        }
    }

    private static String defaultHostname() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            PathParser.parseDomain(name);
            return name;
        } catch (UnknownHostException | SyntaxException e) {
            return "localhost";
        }
    }
}
