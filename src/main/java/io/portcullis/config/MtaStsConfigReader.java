package io.portcullis.config;

import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SyntaxException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads {@code mta-sts:} and {@code tls-reports:}. */
final class MtaStsConfigReader {
    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    static final long MAX_AGE_LIMIT = 31_557_600;

    private MtaStsConfigReader() {
    }

    static MtaStsConfig mtaSts(YamlMap top, Path base) {
        YamlMap map = top.map("mta-sts");
        MtaStsConfig d = MtaStsConfig.DEFAULT;
        boolean enabled = map.bool("enabled", d.enabled());
        Path trust = map.readableFile("trust", base);
        Duration fetchTimeout = map.duration("fetch-timeout", d.fetchTimeout());
        if (fetchTimeout.toMillis() < 1 || fetchTimeout.toMinutes() > 5) {
            map.errors().add(map.node("fetch-timeout"), map.keyPath("fetch-timeout"), "must be from 1ms to 5m");
        }
        int maxCached = map.integer("max-cached-policies", d.maxCachedPolicies(), 1, 1_000_000);
        MtaStsConfig.ServedPolicy served = null;
        if (map.has("policy")) {
            served = served(map.map("policy"), map.node("policy"));
        }
        map.finish();
        return new MtaStsConfig(enabled, trust, fetchTimeout, maxCached, served);
    }

    private static MtaStsConfig.ServedPolicy served(YamlMap map, Node node) {
        ConfigErrors errors = map.errors();
        String mode = map.string("mode", "testing");
        if (!List.of("enforce", "testing", "none").contains(mode)) {
            errors.add(map.node("mode"), map.keyPath("mode"), "expected enforce, testing or none, got \"" + mode + "\"");
        }
        List<Node> mxNodes = map.list("mx");
        List<String> mx = YamlMap.scalars(errors, map.keyPath("mx"), mxNodes);
        if (mx.isEmpty() && !"none".equals(mode)) {
            errors.add(node, map.keyPath("mx"), "a policy in mode " + mode + " needs at least one MX pattern");
        }
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < mx.size(); i++) {
            String pattern = mx.get(i).toLowerCase(Locale.ROOT);
            try {
                PathParser.parseDomain(pattern.startsWith("*.") ? pattern.substring(2) : pattern);
                patterns.add(pattern);
            } catch (SyntaxException e) {
                errors.add(mxNodes.get(i), map.keyPath("mx"), "\"" + mx.get(i) + "\" must be a host name or *.domain");
            }
        }
        Duration maxAge = map.duration("max-age", Duration.ofDays(7));
        if (maxAge.toSeconds() < 1 || maxAge.toSeconds() > MAX_AGE_LIMIT) {
            errors.add(map.node("max-age"), map.keyPath("max-age"), "must be from 1s to 31557600s (RFC 8461 §3.2)");
        }
        map.finish();
        return new MtaStsConfig.ServedPolicy(mode, patterns, maxAge);
    }

    static TlsReportConfig tlsReports(YamlMap top, String hostname) {
        YamlMap map = top.map("tls-reports");
        TlsReportConfig d = TlsReportConfig.defaults(hostname);
        boolean send = map.bool("send", d.send());
        String organization = map.string("organization-name", d.organizationName());
        String contact = map.string("contact-info", d.contactInfo());
        List<Node> ruaNodes = map.list("rua");
        List<String> rua = YamlMap.scalars(map.errors(), map.keyPath("rua"), ruaNodes);
        for (int i = 0; i < rua.size(); i++) {
            if (!validRua(rua.get(i))) {
                map.errors().add(ruaNodes.get(i), map.keyPath("rua"),
                        "\"" + rua.get(i) + "\" must be a mailto: or https: URI without ',' or ';' (RFC 8460 §3)");
            }
        }
        int maxDomains = map.integer("max-domains", d.maxDomains(), 1, 1_000_000);
        map.finish();
        return new TlsReportConfig(send, organization, contact, rua, maxDomains);
    }

    private static boolean validRua(String uri) {
        if (uri.contains(",") || uri.contains(";") || uri.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            return false;
        }
        try {
            URI parsed = new URI(uri);
            return ("mailto".equals(parsed.getScheme()) && parsed.getSchemeSpecificPart().contains("@"))
                    || ("https".equals(parsed.getScheme()) && parsed.getHost() != null);
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
