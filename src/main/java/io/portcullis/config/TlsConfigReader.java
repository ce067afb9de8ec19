package io.portcullis.config;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads a listener's {@code tls:} section: {@code certificate} + {@code key} or
 * {@code self-signed: true}, {@code ciphers} ({@code modern}, {@code intermediate} or a list of
 * suite names), {@code named-groups} and {@code reload-interval}. Suite and group names are
 * checked against what this JDK supports, so a typo is a configuration error, not a listener that
 * silently offers less.
 */
final class TlsConfigReader {
    private TlsConfigReader() {
    }

    /** The listener's TLS, or null when it has no {@code tls:} section (no STARTTLS). */
    static TlsConfig tls(YamlMap listener, Path base) {
        if (!listener.has("tls")) {
            listener.map("tls").finish();
            return null;
        }
        YamlMap map = listener.map("tls");
        boolean selfSigned = map.bool("self-signed", false);
        String certificate = map.string("certificate", null);
        String key = map.string("key", null);
        Path certificatePath = null;
        Path keyPath = null;
        boolean valid = true;
        if (selfSigned) {
            if (certificate != null || key != null) {
                map.errors().add(map.node("self-signed"), map.keyPath("self-signed"),
                        "give either self-signed: true or certificate and key, not both");
            }
        } else if (certificate == null || key == null) {
            map.errors().add(listener.node("tls"), map.keyPath(certificate == null ? "certificate" : "key"),
                    "required key is missing (PEM file), or set self-signed: true");
            valid = false;
        } else {
            certificatePath = map.readableFile("certificate", base);
            keyPath = map.readableFile("key", base);
        }
        SSLParameters supported = supported();
        TlsConfig.CipherPolicy policy = TlsConfig.CipherPolicy.INTERMEDIATE;
        List<String> suites = List.of();
        Node ciphers = map.node("ciphers");
        if (ciphers instanceof ScalarNode scalar && !scalar.getValue().startsWith("TLS_")) {
            switch (scalar.getValue().toLowerCase(Locale.ROOT)) {
                case "modern" -> policy = TlsConfig.CipherPolicy.MODERN;
                case "intermediate" -> policy = TlsConfig.CipherPolicy.INTERMEDIATE;
                default -> map.errors().add(ciphers, map.keyPath("ciphers"),
                        "expected modern, intermediate or a list of cipher suite names, got \"" + scalar.getValue() + "\"");
            }
        } else if (ciphers != null) {
            policy = TlsConfig.CipherPolicy.EXPLICIT;
            suites = names(map, "ciphers", Set.of(supported.getCipherSuites()), "cipher suite");
            if (suites.isEmpty()) {
                map.errors().add(ciphers, map.keyPath("ciphers"), "the list of cipher suites is empty");
            }
        }
        List<String> groups = TlsConfig.DEFAULT_NAMED_GROUPS;
        if (map.has("named-groups")) {
            groups = names(map, "named-groups", Set.of(supported.getNamedGroups()), "named group");
            if (groups.isEmpty()) {
                map.errors().add(map.node("named-groups"), map.keyPath("named-groups"), "the list of named groups is empty");
            }
        }
        Duration reloadInterval = map.duration("reload-interval", TlsConfig.DEFAULT_RELOAD_INTERVAL);
        if (reloadInterval.compareTo(TlsConfig.MIN_RELOAD_INTERVAL) < 0 || reloadInterval.compareTo(Duration.ofDays(1)) > 0) {
            map.errors().add(map.node("reload-interval"), map.keyPath("reload-interval"), "must be from 1s to 1d");
            reloadInterval = TlsConfig.DEFAULT_RELOAD_INTERVAL;
        }
        map.finish();
        return valid ? new TlsConfig(certificatePath, keyPath, selfSigned, policy, suites, groups, reloadInterval) : null;
    }

    /** The items of a list, each checked against what the JDK supports. */
    private static List<String> names(YamlMap map, String key, Set<String> supported, String what) {
        List<Node> nodes = map.list(key);
        List<String> texts = YamlMap.scalars(map.errors(), map.keyPath(key), nodes);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String name = texts.get(i);
            if (supported.contains(name)) {
                names.add(name);
            } else {
                map.errors().add(nodes.get(i), map.keyPath(key) + "[" + i + "]",
                        "\"" + name + "\" is not a " + what + " this JDK supports; supported: " + String.join(", ", supported));
            }
        }
        return names;
    }

    private static SSLParameters supported() {
        try {
            return SSLContext.getDefault().getSupportedSSLParameters();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no default TLS context", e);
        }
    }
}
