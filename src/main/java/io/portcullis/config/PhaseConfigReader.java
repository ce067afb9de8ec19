package io.portcullis.config;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads {@code phase-checks:} and each listener's {@code phases:}. */
final class PhaseConfigReader {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final String TYPES = "lists, dnsbl, dbl, reverse-dns, helo, sender-domain, greylist, milter";

    private PhaseConfigReader() {
    }

    /** The defined phase checks by name, in the order written. */
    static Map<String, PhaseCheckConfig> checks(YamlMap top, Path base) {
        ConfigErrors errors = top.errors();
        Map<String, PhaseCheckConfig> checks = new LinkedHashMap<>();
        List<Node> nodes = top.list("phase-checks");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, "phase-checks[" + i + "]", nodes.get(i));
            String name = map.requiredString("name", nodes.get(i));
            if (name != null && !NAME.matcher(name).matches()) {
                errors.add(map.node("name"), map.keyPath("name"), "a check name is lower-case letters, digits and '-'");
                name = null;
            } else if (name != null && (checks.containsKey(name) || PhaseCheckConfig.BUILT_IN.containsKey(name))) {
                errors.add(map.node("name"), map.keyPath("name"), "\"" + name + "\" is already the name of "
                        + (checks.containsKey(name) ? "another phase check" : "a built-in check"));
                name = null;
            }
            String type = map.requiredString("type", nodes.get(i));
            PhaseCheckConfig check = switch (type == null ? "" : type) {
                case "lists" -> lists(name, map, base);
                case "dnsbl" -> new PhaseCheckConfig.Dnsbl(name, DnsListConfigReader.settings(map, nodes.get(i)));
                case "dbl" -> new PhaseCheckConfig.Dbl(name, DnsListConfigReader.settings(map, nodes.get(i)),
                        map.bool("check-helo", false));
                case "reverse-dns", "helo", "sender-domain" -> ClientCheckConfigReader.read(type, name, map);
                case "greylist" -> greylist(name, map);
                case "milter" -> milter(name, map);
                case "" -> null;
                default -> {
                    errors.add(map.node("type"), map.keyPath("type"), "unknown phase check type \"" + type
                            + "\"; known: " + TYPES);
                    yield null;
                }
            };
            map.finish();
            if (check != null && name != null) {
                checks.put(name, check);
            }
        }
        return checks;
    }

    private static PhaseCheckConfig.Lists lists(String name, YamlMap map, Path base) {
        PhaseCheckConfig.Lists lists = new PhaseCheckConfig.Lists(name, map.readableFile("allow-clients", base),
                map.readableFile("block-clients", base), map.readableFile("allow-senders", base),
                map.readableFile("block-senders", base), map.readableFile("block-recipients", base));
        if (lists.allowClients() == null && lists.blockClients() == null && lists.allowSenders() == null
                && lists.blockSenders() == null && lists.blockRecipients() == null) {
            map.errors().add(map.node("type"), map.keyPath("type"), "a lists check needs at least one of allow-clients,"
                    + " block-clients, allow-senders, block-senders, block-recipients");
        }
        return lists;
    }

    private static PhaseCheckConfig.Greylist greylist(String name, YamlMap map) {
        java.time.Duration delay = map.duration("delay", PhaseCheckConfig.Greylist.DEFAULT_DELAY);
        java.time.Duration window = map.duration("window", PhaseCheckConfig.Greylist.DEFAULT_WINDOW);
        java.time.Duration expiry = map.duration("expiry", PhaseCheckConfig.Greylist.DEFAULT_EXPIRY);
        int autoAllowAfter = map.integer("auto-allow-after", PhaseCheckConfig.Greylist.DEFAULT_AUTO_ALLOW_AFTER, 0, 1_000_000);
        int maxEntries = map.integer("max-entries", PhaseCheckConfig.Greylist.DEFAULT_MAX_ENTRIES, 100, 100_000_000);
        int ipv4Prefix = map.integer("ipv4-prefix", 24, 8, 32);
        int ipv6Prefix = map.integer("ipv6-prefix", 64, 16, 128);
        boolean spfDomain = map.bool("spf-domain", false);
        if (window.compareTo(delay) <= 0) {
            map.errors().add(map.node("window"), map.keyPath("window"), "the window (" + window
                    + ") must be longer than the delay (" + delay + ")");
        }
        if (expiry.compareTo(window) < 0) {
            map.errors().add(map.node("expiry"), map.keyPath("expiry"), "the expiry (" + expiry
                    + ") must not be shorter than the window (" + window + ")");
        }
        return new PhaseCheckConfig.Greylist(name, delay, window, expiry, autoAllowAfter, maxEntries, ipv4Prefix,
                ipv6Prefix, spfDomain);
    }

    private static PhaseCheckConfig.Milter milter(String name, YamlMap map) {
        CheckConfig.Endpoint endpoint = ContentConfigReader.endpoint(map, 8891);
        java.time.Duration timeout = map.duration("timeout", java.time.Duration.ofSeconds(30));
        if (timeout.isZero() || timeout.isNegative()) {
            map.errors().add(map.node("timeout"), map.keyPath("timeout"), "the milter's timeout must be longer than 0");
        }
        String onFailure = map.string("on-failure", "tempfail");
        if (!onFailure.equals("tempfail") && !onFailure.equals("accept")) {
            map.errors().add(map.node("on-failure"), map.keyPath("on-failure"), "expected accept or tempfail, got \""
                    + onFailure + "\"");
        }
        return new PhaseCheckConfig.Milter(name, endpoint, timeout, onFailure.equals("accept"));
    }

    /**
     * A listener's {@code phases:}: a list of check names per phase ({@code connect}, {@code helo},
     * {@code mail}, {@code rcpt}, {@code data}) and an optional {@code reject-score}. Each name must
     * be a built-in of that phase or a defined check that can run there, and appear once per phase.
     */
    static ListenerPhases listenerPhases(YamlMap listener, Map<String, PhaseCheckConfig> defined) {
        if (!listener.has("phases")) {
            listener.map("phases").finish();
            return ListenerPhases.BUILT_IN_ONLY;
        }
        YamlMap map = listener.map("phases");
        ConfigErrors errors = map.errors();
        Map<Phase, List<String>> named = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            List<Node> nodes = map.list(phase.label());
            List<String> names = YamlMap.scalars(errors, map.keyPath(phase.label()), nodes);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                String problem = problem(name, phase, defined);
                if (problem == null && !seen.add(name)) {
                    problem = "\"" + name + "\" is named twice in this phase";
                }
                if (problem != null) {
                    errors.add(nodes.get(i), map.keyPath(phase.label()) + "[" + i + "]", problem);
                }
            }
            named.put(phase, names);
        }
        listsNamedWhereRead(listener, named, defined);
        Double rejectScore = null;
        if (map.has("reject-score")) {
            String text = map.string("reject-score", "0");
            try {
                rejectScore = Double.parseDouble(text);
                if (!Double.isFinite(rejectScore)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                errors.add(map.node("reject-score"), map.keyPath("reject-score"), "expected a number, got \"" + text + "\"");
            }
        }
        if (rejectScore == null) {
            scoringChecksNeedRejectScore(listener, named, defined);
        }
        ListenerPhases.Tarpit tarpit = tarpit(map);
        map.finish();
        return ListenerPhases.withBuiltIns(named, rejectScore, tarpit);
    }

    /** Longest tarpit delay: clients wait 5 minutes for a reply to MAIL and RCPT (RFC 5321 §4.5.3.2). */
    private static final java.time.Duration MAX_TARPIT = java.time.Duration.ofMinutes(4);

    /** {@code tarpit: {delay: 1s, max-delay: 10s}} under {@code phases:}; absent or a zero delay is none. */
    private static ListenerPhases.Tarpit tarpit(YamlMap phases) {
        if (!phases.has("tarpit")) {
            return null;
        }
        YamlMap map = phases.map("tarpit");
        java.time.Duration delay = map.duration("delay", java.time.Duration.ofSeconds(1));
        java.time.Duration maxDelay = map.duration("max-delay", java.time.Duration.ofSeconds(10));
        map.finish();
        if (maxDelay.compareTo(MAX_TARPIT) > 0) {
            map.errors().add(map.node("max-delay"), map.keyPath("max-delay"), "at most 4m: clients wait 5 minutes"
                    + " for a reply to MAIL and RCPT (RFC 5321 section 4.5.3.2)");
            return null;
        }
        if (maxDelay.compareTo(delay) < 0) {
            map.errors().add(map.node("max-delay") == null ? map.node("delay") : map.node("max-delay"),
                    map.keyPath("max-delay"), "max-delay is shorter than delay");
            return null;
        }
        return delay.isZero() ? null : new ListenerPhases.Tarpit(delay, maxDelay);
    }

    /**
     * A {@code lists} check the listener names must be named at each phase where one of its lists
     * is read: else that list would be silently ignored (block-senders named only at connect).
     */
    private static void listsNamedWhereRead(YamlMap listener, Map<Phase, List<String>> named,
                                            Map<String, PhaseCheckConfig> defined) {
        Set<String> reported = new HashSet<>();
        named.values().forEach(names -> names.forEach(name -> {
            if (defined.get(name) instanceof PhaseCheckConfig.Lists lists && reported.add(name)) {
                lists.listsRead().forEach((list, phase) -> {
                    if (!named.getOrDefault(phase, List.of()).contains(name)) {
                        listener.errors().add(listener.node("phases"), listener.keyPath("phases"), "\"" + name
                                + "\" has " + list + ", read at " + phase.label() + ", but this listener does not name it at "
                                + phase.label() + " (the list would be ignored)");
                    }
                });
            }
        }));
    }

    /** A check that only scores does nothing on a listener without reject-score: an error, not a silent pass. */
    private static void scoringChecksNeedRejectScore(YamlMap listener, Map<Phase, List<String>> named,
                                                     Map<String, PhaseCheckConfig> defined) {
        Set<String> reported = new HashSet<>();
        named.values().forEach(names -> names.forEach(name -> {
            PhaseCheckConfig check = defined.get(name);
            if (check != null && check.onlyScores() && reported.add(name)) {
                listener.errors().add(listener.node("phases"), listener.keyPath("phases"), "\"" + name
                        + "\" only scores, but this listener has no reject-score (the check would refuse nothing):"
                        + " set phases.reject-score, or give the check another action");
            }
        }));
    }

    private static String problem(String name, Phase phase, Map<String, PhaseCheckConfig> defined) {
        Phase builtIn = PhaseCheckConfig.BUILT_IN.get(name);
        if (builtIn != null) {
            return builtIn == phase ? null : "the built-in check \"" + name + "\" runs at " + builtIn.label() + ", not at "
                    + phase.label();
        }
        PhaseCheckConfig check = defined.get(name);
        if (check == null) {
            return "no phase check is named \"" + name + "\" (define it under phase-checks; built-in: "
                    + String.join(", ", PhaseCheckConfig.BUILT_IN.keySet()) + ")";
        }
        return check.phases().contains(phase) ? null
                : "\"" + name + "\" cannot run at " + phase.label() + " (it runs at "
                        + String.join(", ", check.phases().stream().map(Phase::label).toList()) + ")";
    }
}
