package io.portcullis.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What changes between two configurations, in words an administrator reads before and after a
 * reload: listeners and connectors added, removed or changed (and which parts), and the global
 * sections that changed. Sections a running gateway cannot change are marked "(needs a restart)".
 */
public final class ConfigDiff {
    private ConfigDiff() {
    }

    public static List<String> between(GatewayConfig before, GatewayConfig after) {
        List<String> changes = new ArrayList<>();
        named(changes, "listener", before.listeners(), after.listeners(), ListenerConfig::name, (old, now) -> {
            List<String> parts = new ArrayList<>();
            part(parts, "bind", old.bind(), now.bind());
            part(parts, "flow", old.flow(), now.flow());
            part(parts, "hostname", old.hostname(), now.hostname());
            part(parts, "tls", old.tls(), now.tls());
            part(parts, "limits", old.limits(), now.limits());
            part(parts, "policy", old.policy(), now.policy());
            part(parts, "content", old.content(), now.content());
            part(parts, "phases", old.phases(), now.phases());
            return parts;
        });
        named(changes, "connector", before.connectors(), after.connectors(), ConnectorConfig::name,
                (old, now) -> List.of("settings"));
        section(changes, "domains and routes", before.routes(), after.routes(), false);
        section(changes, "delivery", before.delivery(), after.delivery(), false);
        section(changes, "users, recipients and ldap", before.directory(), after.directory(), false);
        section(changes, "hostname", before.hostname(), after.hostname(), false);
        section(changes, "spool", before.spool(), after.spool(), true);
        section(changes, "tracking", before.trackingRetention(), after.trackingRetention(), true);
        section(changes, "admin", before.admin(), after.admin(), true);
        section(changes, "mta-sts.policy", before.mtaSts().served(), after.mtaSts().served(), false);
        section(changes, "mta-sts", withoutServed(before.mtaSts()), withoutServed(after.mtaSts()), true);
        section(changes, "tls-reports", before.tlsReports(), after.tlsReports(), true);
        section(changes, "quarantine", before.quarantine(), after.quarantine(), true);
        section(changes, "checks", before.checks(), after.checks(), false);
        section(changes, "phase-checks", before.phaseChecks(), after.phaseChecks(), false);
        section(changes, "logging", before.logging(), after.logging(), false);
        section(changes, "shutdown-timeout", before.shutdownTimeout(), after.shutdownTimeout(), false);
        section(changes, "node-id", before.nodeId(), after.nodeId(), true);
        section(changes, "cluster", List.of(before.cluster().peers(), before.cluster().peerTimeout()),
                List.of(after.cluster().peers(), after.cluster().peerTimeout()), false);
        section(changes, "shared-state", before.sharedState(), after.sharedState(), true);
        section(changes, "database", before.database(), after.database(), true);
        return changes;
    }

    /** The MTA-STS settings the running delivery uses; the served policy reloads on its own. */
    private static MtaStsConfig withoutServed(MtaStsConfig config) {
        return new MtaStsConfig(config.enabled(), config.trust(), config.fetchTimeout(), config.maxCachedPolicies(), null);
    }

    private interface PartDiff<T> {
        List<String> parts(T before, T after);
    }

    private static <T> void named(List<String> changes, String kind, List<T> before, List<T> after, Function<T, String> name,
                                  PartDiff<T> parts) {
        Map<String, T> old = new LinkedHashMap<>();
        before.forEach(item -> old.put(name.apply(item), item));
        for (T item : after) {
            T previous = old.remove(name.apply(item));
            if (previous == null) {
                changes.add(kind + " " + name.apply(item) + ": added");
            } else if (!previous.equals(item)) {
                changes.add(kind + " " + name.apply(item) + ": changed (" + String.join(", ", parts.parts(previous, item)) + ")");
            }
        }
        old.keySet().forEach(gone -> changes.add(kind + " " + gone + ": removed"));
    }

    private static void part(List<String> parts, String name, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            parts.add(name);
        }
    }

    private static void section(List<String> changes, String name, Object before, Object after, boolean needsRestart) {
        if (!Objects.equals(before, after)) {
            changes.add(name + ": changed" + (needsRestart ? " (needs a restart)" : ""));
        }
    }
}
