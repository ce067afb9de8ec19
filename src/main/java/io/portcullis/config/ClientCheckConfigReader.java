package io.portcullis.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the client checks under {@code phase-checks:} ({@code reverse-dns}, {@code helo},
 * {@code sender-domain}) and their common keys: {@code action} (reject, tempfail, score, log),
 * {@code weight} (for score), {@code dns-failure} (tempfail, skip) and {@code timeout}.
 */
final class ClientCheckConfigReader {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_MAX_NAMES = 10;

    private ClientCheckConfigReader() {
    }

    static PhaseCheckConfig read(String type, String name, YamlMap map) {
        CheckAction action = action(map);
        Duration timeout = timeout(map);
        return switch (type) {
            case "reverse-dns" -> {
                String require = map.string("require", "fcrdns").toLowerCase(Locale.ROOT);
                if (!require.equals("fcrdns") && !require.equals("ptr")) {
                    map.errors().add(map.node("require"), map.keyPath("require"),
                            "expected ptr (a PTR record is enough) or fcrdns (a PTR name must resolve back), got \""
                                    + require + "\"");
                }
                yield new PhaseCheckConfig.ReverseDns(name, action, !require.equals("ptr"),
                        map.integer("max-names", DEFAULT_MAX_NAMES, 1, 100), timeout);
            }
            case "helo" -> {
                boolean fqdn = map.bool("require-fqdn", true);
                boolean ours = map.bool("reject-our-names", true);
                boolean resolvable = map.bool("require-resolvable", false);
                if (!fqdn && !ours && !resolvable) {
                    map.errors().add(map.node("type"), map.keyPath("type"), "a helo check needs at least one of"
                            + " require-fqdn, reject-our-names, require-resolvable set to true");
                }
                yield new PhaseCheckConfig.Helo(name, action, fqdn, ours, resolvable, ourNames(map), ourAddresses(map),
                        timeout);
            }
            default -> new PhaseCheckConfig.SenderDomain(name, action, timeout);
        };
    }

    private static CheckAction action(YamlMap map) {
        String text = map.string("action", "reject").toLowerCase(Locale.ROOT);
        CheckAction.Kind kind = switch (text) {
            case "reject" -> CheckAction.Kind.REJECT;
            case "tempfail" -> CheckAction.Kind.TEMPFAIL;
            case "score" -> CheckAction.Kind.SCORE;
            case "log" -> CheckAction.Kind.LOG;
            default -> {
                map.errors().add(map.node("action"), map.keyPath("action"),
                        "expected reject, tempfail, score or log, got \"" + text + "\"");
                yield CheckAction.Kind.REJECT;
            }
        };
        double weight = 1;
        if (map.has("weight")) {
            String weightText = map.string("weight", "1");
            if (kind != CheckAction.Kind.SCORE) {
                map.errors().add(map.node("weight"), map.keyPath("weight"), "weight applies only to action: score");
            }
            try {
                weight = Double.parseDouble(weightText.trim());
                if (!Double.isFinite(weight)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                map.errors().add(map.node("weight"), map.keyPath("weight"), "expected a number, got \"" + weightText + "\"");
            }
        }
        String failure = map.string("dns-failure", "tempfail").toLowerCase(Locale.ROOT);
        if (!failure.equals("tempfail") && !failure.equals("skip")) {
            map.errors().add(map.node("dns-failure"), map.keyPath("dns-failure"),
                    "expected tempfail (a 4xx reply) or skip (go on), got \"" + failure + "\"");
        }
        return new CheckAction(kind, weight, !failure.equals("skip"));
    }

    private static Duration timeout(YamlMap map) {
        Duration timeout = map.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            map.errors().add(map.node("timeout"), map.keyPath("timeout"), "expected a time budget from 1ms to 1m");
            return DEFAULT_TIMEOUT;
        }
        return timeout;
    }

    private static List<String> ourNames(YamlMap map) {
        List<Node> nodes = map.list("our-names");
        List<String> texts = YamlMap.scalars(map.errors(), map.keyPath("our-names"), nodes);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String canonical = isDomain(texts.get(i)) ? io.portcullis.smtp.DomainName.canonical(texts.get(i)) : null;
            if (canonical == null) {
                map.errors().add(nodes.get(i), map.keyPath("our-names") + "[" + i + "]",
                        "expected a domain name, got \"" + texts.get(i) + "\"");
            } else {
                names.add(canonical);
            }
        }
        return names;
    }

    private static boolean isDomain(String text) {
        try {
            return !io.portcullis.smtp.PathParser.parseDomainOrLiteral(text).startsWith("[");
        } catch (io.portcullis.smtp.SyntaxException e) {
            return false;
        }
    }

    private static List<InetAddress> ourAddresses(YamlMap map) {
        List<Node> nodes = map.list("our-addresses");
        List<String> texts = YamlMap.scalars(map.errors(), map.keyPath("our-addresses"), nodes);
        List<InetAddress> addresses = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            InetAddress address = IpLiteral.parse(texts.get(i));
            if (address == null) {
                map.errors().add(nodes.get(i), map.keyPath("our-addresses") + "[" + i + "]",
                        "expected an IP address, got \"" + texts.get(i) + "\"");
            } else {
                addresses.add(address);
            }
        }
        return addresses;
    }
}
