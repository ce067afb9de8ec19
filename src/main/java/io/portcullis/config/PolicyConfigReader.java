package io.portcullis.config;

import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads a listener's policy keys and the global {@code users}, {@code recipients} and {@code protected-senders}. */
public final class PolicyConfigReader {
    private static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN");

    private PolicyConfigReader() {
    }

    static ListenerPolicy listenerPolicy(YamlMap listener) {
        ConfigErrors errors = listener.errors();
        YamlMap access = listener.map("access");
        List<Cidr> allow = networks(access, "allow");
        List<Cidr> deny = networks(access, "deny");
        access.finish();
        ListenerPolicy.AuthPolicy auth = null;
        if (listener.has("auth")) {
            YamlMap map = listener.map("auth");
            List<Node> mechanismNodes = map.list("mechanisms");
            List<String> mechanisms = new ArrayList<>();
            for (String mechanism : YamlMap.scalars(errors, map.keyPath("mechanisms"), mechanismNodes)) {
                String upper = mechanism.toUpperCase(Locale.ROOT);
                if (!MECHANISMS.contains(upper)) {
                    errors.add(map.node("mechanisms"), map.keyPath("mechanisms"),
                            "unknown mechanism \"" + mechanism + "\" (known: PLAIN, LOGIN)");
                }
                mechanisms.add(upper);
            }
            auth = new ListenerPolicy.AuthPolicy(map.bool("required", false), map.bool("require-tls", true),
                    mechanisms.isEmpty() ? MECHANISMS : mechanisms);
            map.finish();
        }
        String relayText = listener.string("relay", "never");
        ListenerPolicy.RelayMode relay;
        try {
            relay = ListenerPolicy.RelayMode.valueOf(relayText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(listener.node("relay"), listener.keyPath("relay"),
                    "expected never, authenticated or networks, got \"" + relayText + "\"");
            relay = ListenerPolicy.RelayMode.NEVER;
        }
        List<Cidr> relayNetworks = networks(listener, "relay-networks");
        if (relay == ListenerPolicy.RelayMode.NETWORKS && relayNetworks.isEmpty()) {
            errors.add(listener.node("relay"), listener.keyPath("relay-networks"), "relay: networks needs relay-networks");
        }
        if (relay == ListenerPolicy.RelayMode.AUTHENTICATED && auth == null) {
            errors.add(listener.node("relay"), listener.keyPath("relay"), "relay: authenticated needs an auth section");
        }
        boolean sendAs = listener.bool("send-as", false);
        if (sendAs && auth == null && relayNetworks.isEmpty()) {
            errors.add(listener.node("send-as"), listener.keyPath("send-as"), "send-as needs auth or relay-networks");
        }
        List<String> removeHeaders = YamlMap.scalars(errors, listener.keyPath("remove-headers"), listener.list("remove-headers"));
        YamlMap rates = listener.map("rate-limits");
        RateLimitConfig rateLimits = new RateLimitConfig(
                rates.integer("connections-per-minute-per-ip", 0, 0, 1_000_000),
                rates.integer("messages-per-hour-per-ip", 0, 0, 10_000_000),
                rates.integer("recipients-per-hour-per-ip", 0, 0, 100_000_000),
                rates.integer("messages-per-hour-per-user", 0, 0, 10_000_000),
                rates.integer("recipients-per-hour-per-user", 0, 0, 100_000_000));
        rates.finish();
        List<Cidr> proxies = networks(listener, "proxy-protocol-from");
        boolean antiSpoofing = listener.bool("anti-spoofing", false);
        // A sender rule that looked only at the envelope would be passed by any header From: (issue 12, finding 3).
        boolean checkHeaderFrom = listener.bool("check-header-from", antiSpoofing || sendAs);
        return new ListenerPolicy(allow, deny, auth, relay, relayNetworks, listener.bool("verify-recipients", false),
                antiSpoofing, checkHeaderFrom, sendAs, removeHeaders,
                listener.bool("remove-received", false), rateLimits, proxies, bareLineEnds(listener, auth),
                // RFC 6409 §8.2, §8.3: where mail is submitted, add the Message-ID and Date a client left out
                listener.bool("submission-fixups", (auth != null && auth.required()) || !relayNetworks.isEmpty()));
    }

    /**
     * {@code bare-line-ends: reject | normalize}. Internal applications often send bare LF, and a
     * listener that requires AUTH only hears them, so there the default is normalize; anywhere
     * else (the Internet, allow-listed networks) it is reject.
     */
    private static ListenerPolicy.BareLineEnds bareLineEnds(YamlMap listener, ListenerPolicy.AuthPolicy auth) {
        ListenerPolicy.BareLineEnds fallback = auth != null && auth.required()
                ? ListenerPolicy.BareLineEnds.NORMALIZE : ListenerPolicy.BareLineEnds.REJECT;
        String text = listener.string("bare-line-ends", null);
        if (text == null) {
            return fallback;
        }
        try {
            return ListenerPolicy.BareLineEnds.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            listener.errors().add(listener.node("bare-line-ends"), listener.keyPath("bare-line-ends"),
                    "expected reject or normalize, got \"" + text + "\"");
            return fallback;
        }
    }

    static List<Cidr> networks(YamlMap map, String key) {
        List<Node> nodes = map.list(key);
        List<String> texts = YamlMap.scalars(map.errors(), map.keyPath(key), nodes);
        List<Cidr> networks = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Cidr cidr = Cidr.parse(texts.get(i));
            if (cidr == null) {
                map.errors().add(nodes.get(i), map.keyPath(key), "\"" + texts.get(i)
                        + "\" is not a network such as 192.0.2.0/24, 2001:db8::/32 or 192.0.2.7");
            } else {
                networks.add(cidr);
            }
        }
        return networks;
    }

    static Directory directory(YamlMap top, Path base) {
        ConfigErrors errors = top.errors();
        YamlMap users = top.map("users");
        String file = users.string("file", "users.yaml");
        List<Directory.User> inline = new ArrayList<>();
        List<Node> nodes = users.list("inline");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap user = new YamlMap(errors, users.keyPath("inline") + "[" + i + "]", nodes.get(i));
            String name = user.requiredString("name", nodes.get(i));
            String hash = user.requiredString("password-hash", nodes.get(i));
            if (hash != null && !hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                errors.add(user.node("password-hash"), user.keyPath("password-hash"),
                        "expected a bcrypt hash ($2y$...); make one with: portcullis user hash");
            }
            List<String> sendAs = sendAsList(user);
            inline.add(new Directory.User(name, hash, sendAs.isEmpty() && name != null && name.contains("@")
                    ? List.of(name) : sendAs));
            user.finish();
        }
        users.finish();
        YamlMap recipients = top.map("recipients");
        List<Node> addressNodes = recipients.list("addresses");
        List<String> addresses = YamlMap.scalars(errors, recipients.keyPath("addresses"), addressNodes);
        checkAddresses(errors, recipients.keyPath("addresses"), addressNodes, addresses);
        Path recipientsPath = recipients.readableFile("file", base);
        recipients.finish();
        List<Node> protectedNodes = top.list("protected-senders");
        List<String> protectedSenders = YamlMap.scalars(errors, "protected-senders", protectedNodes);
        checkAddresses(errors, "protected-senders", protectedNodes, protectedSenders);
        return new Directory(Path.of(file), inline, addresses, recipientsPath, protectedSenders, ldap(top, base),
                AuthThrottleConfig.read(top.map("auth-throttle")));
    }

    private static LdapConfig ldap(YamlMap top, Path base) {
        if (!top.has("ldap")) {
            top.map("ldap").finish();
            return null;
        }
        YamlMap map = top.map("ldap");
        String url = map.requiredString("url", top.node("ldap"));
        java.util.regex.Matcher m = url == null ? null
                : java.util.regex.Pattern.compile("(ldaps?)://([^:/]+|\\[[0-9a-fA-F:.]+])(?::(\\d{1,5}))?/?").matcher(url);
        String host = null;
        int port = 0;
        boolean ldaps = false;
        if (m != null && m.matches()) {
            ldaps = m.group(1).equals("ldaps");
            host = m.group(2).replace("[", "").replace("]", "");
            port = m.group(3) == null ? (ldaps ? 636 : 389) : Integer.parseInt(m.group(3));
        } else if (url != null) {
            map.errors().add(map.node("url"), map.keyPath("url"), "expected ldap://host[:port] or ldaps://host[:port], got \"" + url + "\"");
        }
        String bindDn = map.string("bind-dn", null);
        String bindPassword = map.string("bind-password", null);
        if ((bindDn == null) != (bindPassword == null)) {
            map.errors().add(top.node("ldap"), map.keyPath("bind-dn"), "give both bind-dn and bind-password, or neither");
        }
        boolean startTls = map.bool("start-tls", false);
        boolean allowPlaintext = map.bool("allow-plaintext", false);
        if (startTls && ldaps) {
            map.errors().add(map.node("start-tls"), map.keyPath("start-tls"), "ldaps:// is TLS already; start-tls goes with ldap://");
        } else if (url != null && !ldaps && !startTls && !allowPlaintext) {
            map.errors().add(map.node("url"), map.keyPath("url"), "\"" + url + "\" would send the passwords of users and of"
                    + " the service account in plain text: use ldaps://, or start-tls: true, or (on a trusted network only)"
                    + " allow-plaintext: true");
        }
        LdapConfig ldap = new LdapConfig(host, port, ldaps, bindDn, bindPassword, map.requiredString("base-dn", top.node("ldap")),
                map.string("user-filter", "(mail={0})"), map.string("recipient-filter", "(mail={0})"),
                map.string("send-as-attribute", "mail"), map.duration("timeout", java.time.Duration.ofSeconds(5)),
                startTls, map.readableFile("tls-trust", base), allowPlaintext,
                map.integer("cache-size", 10_000, 1, 10_000_000), map.duration("cache-ttl", java.time.Duration.ofMinutes(5)));
        for (String key : java.util.List.of("user-filter", "recipient-filter")) {
            String filter = map.string(key, "{0}");
            if (!filter.contains("{0}")) {
                map.errors().add(map.node(key), map.keyPath(key), "the filter needs {0} where the address goes");
            }
        }
        map.finish();
        return ldap;
    }

    static List<String> sendAsList(YamlMap user) {
        List<Node> nodes = user.list("send-as");
        List<String> sendAs = YamlMap.scalars(user.errors(), user.keyPath("send-as"), nodes);
        for (int i = 0; i < sendAs.size(); i++) {
            String problem = sendAsProblem(sendAs.get(i));
            if (problem != null) {
                user.errors().add(nodes.get(i), user.keyPath("send-as"), problem);
            }
        }
        return sendAs;
    }

    /** Why a send-as entry is neither an address nor {@code @domain}, or null when it is one. */
    public static String sendAsProblem(String entry) {
        try {
            if (entry.startsWith("@")) {
                PathParser.parseDomain(entry.substring(1));
            } else {
                PathParser.parseMailbox(entry);
            }
            return null;
        } catch (SyntaxException e) {
            return "\"" + entry + "\" is neither an address nor @domain: " + e.getMessage();
        }
    }

    private static void checkAddresses(ConfigErrors errors, String path, List<Node> nodes, List<String> addresses) {
        for (int i = 0; i < addresses.size(); i++) {
            try {
                PathParser.parseMailbox(addresses.get(i));
            } catch (SyntaxException e) {
                errors.add(nodes.get(i), path + "[" + i + "]", "\"" + addresses.get(i) + "\" is not an address: " + e.getMessage());
            }
        }
    }
}
