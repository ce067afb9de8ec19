package io.portcullis.config;

import com.google.re2j.PatternSyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads {@code checks:} and each listener's {@code content:} chain. */
final class ContentConfigReader {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private ContentConfigReader() {
    }

    /** The checks by name, in the order written. */
    static Map<String, CheckConfig> checks(YamlMap top, Path base, String hostname) {
        ConfigErrors errors = top.errors();
        Map<String, CheckConfig> checks = new LinkedHashMap<>();
        List<Node> nodes = top.list("checks");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, "checks[" + i + "]", nodes.get(i));
            String name = map.requiredString("name", nodes.get(i));
            if (name != null && !NAME.matcher(name).matches()) {
                errors.add(map.node("name"), map.keyPath("name"), "a check name is lower-case letters, digits and '-'");
            } else if (name != null && checks.containsKey(name)) {
                errors.add(map.node("name"), map.keyPath("name"), "another check is already named \"" + name + "\"");
            }
            String type = map.requiredString("type", nodes.get(i));
            CheckConfig check = switch (type == null ? "" : type) {
                case "spamd" -> new CheckConfig.Spamd(name, endpoint(map, 783), map.duration("timeout", Duration.ofSeconds(30)),
                        map.size("max-size", 2L * 1024 * 1024), number(map, "mark-score", 5.0),
                        number(map, "reject-score", 10.0));
                case "clamd" -> new CheckConfig.Clamd(name, endpoint(map, 3310), map.duration("timeout", Duration.ofSeconds(30)),
                        map.size("max-size", 25L * 1024 * 1024));
                case "rules" -> rules(name, map);
                case "authentication" -> new CheckConfig.Authentication(name, map.duration("timeout", Duration.ofSeconds(20)),
                        map.string("authserv-id", hostname), map.bool("dmarc-reject", true),
                        map.bool("dmarc-quarantine", false));
                case "rspamd" -> new CheckConfig.Rspamd(name, url(map), map.duration("timeout", Duration.ofSeconds(30)),
                        map.size("max-size", 2L * 1024 * 1024), number(map, "mark-score", 6.0),
                        number(map, "reject-score", 15.0));
                case "milter" -> new CheckConfig.Milter(name, endpoint(map, 8891), map.duration("timeout", Duration.ofSeconds(30)));
                case "dkim-sign" -> dkimSign(name, map, base);
                case "disclaimer" -> disclaimer(name, map);
                case "archive" -> archive(name, map, base);
                case "" -> null;
                default -> {
                    errors.add(map.node("type"), map.keyPath("type"), "unknown check type \"" + type
                            + "\"; known: spamd, rspamd, clamd, milter, rules, authentication, disclaimer, dkim-sign, archive");
                    yield null;
                }
            };
            map.finish();
            if (check != null && name != null) {
                checks.putIfAbsent(name, check);
            }
        }
        return checks;
    }

    /**
     * A listener's {@code content:} mapping: {@code chain}, the default {@code on-failure} and the
     * MIME limits ({@code max-decoded-size} defaults to twice the listener's {@code max-message-size}).
     */
    static ContentChainConfig chain(YamlMap listener, Map<String, CheckConfig> checks, long maxMessageSize) {
        ConfigErrors errors = listener.errors();
        YamlMap content = listener.map("content");
        ContentStep.FailureMode defaultMode = failureMode(content, ContentStep.FailureMode.FAIL_CLOSED);
        List<ContentStep> steps = new ArrayList<>();
        List<Node> nodes = content.list("chain");
        for (int i = 0; i < nodes.size(); i++) {
            String path = content.keyPath("chain") + "[" + i + "]";
            Node node = nodes.get(i);
            String check;
            ContentStep.FailureMode mode = defaultMode;
            Duration timeout = null;
            Double mark = null;
            Double reject = null;
            Node nameNode = node;
            if (node instanceof ScalarNode scalar) {
                check = scalar.getValue();
            } else {
                YamlMap step = new YamlMap(errors, path, node);
                check = step.requiredString("check", node);
                nameNode = step.node("check");
                mode = failureMode(step, defaultMode);
                timeout = step.duration("timeout", null);
                mark = step.has("mark-score") ? number(step, "mark-score", 0) : null;
                reject = step.has("reject-score") ? number(step, "reject-score", 0) : null;
                step.finish();
            }
            if (check != null && !checks.containsKey(check)) {
                errors.add(nameNode == null ? node : nameNode, path, "no check is named \"" + check + "\""
                        + (checks.isEmpty() ? " (define it under checks:)" : "; defined: " + String.join(", ", checks.keySet())));
            } else if (check != null) {
                steps.add(new ContentStep(check, mode, timeout == null ? checks.get(check).timeout() : timeout, mark, reject));
            }
        }
        MimeLimits mimeLimits = mimeLimits(content, maxMessageSize);
        content.finish();
        return new ContentChainConfig(steps, mimeLimits);
    }

    private static MimeLimits mimeLimits(YamlMap content, long maxMessageSize) {
        MimeLimits defaults = MimeLimits.defaults(maxMessageSize);
        MimeLimits limits = new MimeLimits(content.integer("max-mime-parts", defaults.maxParts(), 1, 1_000_000),
                content.integer("max-mime-depth", defaults.maxDepth(), 1, 100),
                content.size("max-decoded-size", defaults.maxDecodedSize()));
        if (limits.maxDecodedSize() < 1024) {
            content.errors().add(content.node("max-decoded-size"), content.keyPath("max-decoded-size"), "must be at least 1KB");
        }
        return limits;
    }

    private static ContentStep.FailureMode failureMode(YamlMap map, ContentStep.FailureMode defaultMode) {
        String text = map.string("on-failure", null);
        if (text == null) {
            return defaultMode;
        }
        return switch (text) {
            case "fail-closed" -> ContentStep.FailureMode.FAIL_CLOSED;
            case "fail-open" -> ContentStep.FailureMode.FAIL_OPEN;
            default -> {
                map.errors().add(map.node("on-failure"), map.keyPath("on-failure"),
                        "expected fail-closed or fail-open, got \"" + text + "\"");
                yield defaultMode;
            }
        };
    }

    private static CheckConfig.Rules rules(String name, YamlMap map) {
        List<CheckConfig.PatternRule> headerChecks = patternRules(map, "header-checks");
        List<CheckConfig.PatternRule> bodyChecks = patternRules(map, "body-checks");
        YamlMap attachments = map.map("block-attachments");
        List<String> names = YamlMap.scalars(map.errors(), attachments.keyPath("names"), attachments.list("names"));
        List<String> types = YamlMap.scalars(map.errors(), attachments.keyPath("types"), attachments.list("types"));
        attachments.finish();
        return new CheckConfig.Rules(name, map.duration("timeout", Duration.ofSeconds(10)), headerChecks, bodyChecks,
                names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList(),
                types.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList(), map.integer("max-nesting", 10, 1, 100),
                map.size("max-body-scan", 1024L * 1024));
    }

    private static List<CheckConfig.PatternRule> patternRules(YamlMap map, String key) {
        List<CheckConfig.PatternRule> rules = new ArrayList<>();
        List<Node> nodes = map.list(key);
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap rule = new YamlMap(map.errors(), map.keyPath(key) + "[" + i + "]", nodes.get(i));
            String pattern = rule.requiredString("pattern", nodes.get(i));
            if (pattern != null) {
                try {
                    com.google.re2j.Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    map.errors().add(rule.node("pattern"), rule.keyPath("pattern"),
                            "not a regular expression (RE2 syntax): " + e.getDescription());
                }
            }
            String actionText = rule.string("action", "reject");
            CheckConfig.RuleAction action = switch (actionText) {
                case "reject" -> CheckConfig.RuleAction.REJECT;
                case "tempfail" -> CheckConfig.RuleAction.TEMPFAIL;
                case "quarantine" -> CheckConfig.RuleAction.QUARANTINE;
                default -> {
                    map.errors().add(rule.node("action"), rule.keyPath("action"),
                            "expected reject, tempfail or quarantine, got \"" + actionText + "\"");
                    yield CheckConfig.RuleAction.REJECT;
                }
            };
            String text = rule.string("text", null);
            rule.finish();
            if (pattern != null) {
                rules.add(new CheckConfig.PatternRule(pattern, action, text));
            }
        }
        return rules;
    }

    private static CheckConfig.Disclaimer disclaimer(String name, YamlMap map) {
        String text = map.requiredString("text", map.keyNode("type"));
        String html = map.string("html", null);
        List<String> domains = YamlMap.scalars(map.errors(), map.keyPath("sender-domains"), map.list("sender-domains"));
        return new CheckConfig.Disclaimer(name, map.duration("timeout", Duration.ofSeconds(10)),
                text == null ? "" : text.strip(), html == null ? null : html.strip(),
                domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList());
    }

    private static CheckConfig.Archive archive(String name, YamlMap map, Path base) {
        String address = map.string("address", null);
        String folder = map.string("folder", null);
        if ((address == null) == (folder == null)) {
            map.errors().add(map.keyNode("type"), map.keyPath("address"), "an archive needs either address or folder");
        }
        if (address != null) {
            try {
                io.portcullis.smtp.PathParser.parseMailbox(address);
            } catch (io.portcullis.smtp.SyntaxException e) {
                map.errors().add(map.node("address"), map.keyPath("address"), "\"" + address + "\" is not a mailbox: "
                        + e.getMessage());
            }
        }
        return new CheckConfig.Archive(name, map.duration("timeout", Duration.ofSeconds(30)), address,
                folder == null ? null : base.resolve(folder));
    }

    static final List<String> DEFAULT_SIGNED_HEADERS = List.of("from", "reply-to", "subject", "date", "to", "cc",
            "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");

    private static CheckConfig.DkimSign dkimSign(String name, YamlMap map, Path base) {
        List<CheckConfig.DkimKey> keys = new ArrayList<>();
        List<Node> nodes = map.list("keys");
        if (nodes.isEmpty()) {
            map.errors().add(map.keyNode("type"), map.keyPath("keys"), "dkim-sign needs at least one key (domain, selector)");
        }
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap key = new YamlMap(map.errors(), map.keyPath("keys") + "[" + i + "]", nodes.get(i));
            String domain = key.requiredString("domain", nodes.get(i));
            String selector = key.requiredString("selector", nodes.get(i));
            if (selector != null && !selector.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
                key.errors().add(key.node("selector"), key.keyPath("selector"), "a selector is one or more DNS labels");
            }
            String algorithmText = key.string("algorithm", "rsa-sha256");
            CheckConfig.DkimAlgorithm algorithm = switch (algorithmText) {
                case "rsa-sha256" -> CheckConfig.DkimAlgorithm.RSA_SHA256;
                case "ed25519-sha256" -> CheckConfig.DkimAlgorithm.ED25519_SHA256;
                default -> {
                    key.errors().add(key.node("algorithm"), key.keyPath("algorithm"),
                            "expected rsa-sha256 or ed25519-sha256, got \"" + algorithmText + "\"");
                    yield CheckConfig.DkimAlgorithm.RSA_SHA256;
                }
            };
            Path keyFile = key.readableFile("key-file", base);
            key.finish();
            if (domain != null && selector != null) {
                keys.add(new CheckConfig.DkimKey(domain.toLowerCase(Locale.ROOT), selector, algorithm, keyFile));
            }
        }
        List<String> headers = YamlMap.scalars(map.errors(), map.keyPath("signed-headers"), map.list("signed-headers"));
        return new CheckConfig.DkimSign(name, map.duration("timeout", Duration.ofSeconds(10)), keys,
                headers.isEmpty() ? DEFAULT_SIGNED_HEADERS : headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    }

    /** {@code address: host:port}, or {@code socket: /path} for a Unix domain socket. */
    static CheckConfig.Endpoint endpoint(YamlMap map, int defaultPort) {
        String socket = map.string("socket", null);
        String address = map.string("address", null);
        if (socket != null && address != null) {
            map.errors().add(map.node("socket"), map.keyPath("socket"), "give either address or socket, not both");
        }
        if (socket != null) {
            return new CheckConfig.Endpoint(null, 0, Path.of(socket));
        }
        if (address == null) {
            map.errors().add(map.keyNode("type"), map.keyPath("address"),
                    "required key is missing (host:port, e.g. 127.0.0.1:" + defaultPort + ", or socket: /path)");
            return new CheckConfig.Endpoint("127.0.0.1", defaultPort, null);
        }
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : address;
        int port = defaultPort;
        if (colon > 0) {
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 1 || port > 65535) {
            map.errors().add(map.node("address"), map.keyPath("address"), "\"" + address + "\" needs a port from 1 to 65535");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new CheckConfig.Endpoint(host, port, null);
    }

    private static java.net.URI url(YamlMap map) {
        String text = map.string("url", "http://127.0.0.1:11333");
        try {
            java.net.URI url = new java.net.URI(text);
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
                throw new java.net.URISyntaxException(text, "expected http://host:port");
            }
            return url;
        } catch (java.net.URISyntaxException e) {
            map.errors().add(map.node("url"), map.keyPath("url"), "\"" + text + "\" is not an http URL such as http://127.0.0.1:11333");
            return java.net.URI.create("http://127.0.0.1:11333");
        }
    }

    private static double number(YamlMap map, String key, double defaultValue) {
        String text = map.string(key, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            map.errors().add(map.node(key), map.keyPath(key), "expected a number, got \"" + text + "\"");
            return defaultValue;
        }
    }
}
