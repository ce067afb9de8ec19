package io.portcullis.content.authentication;

import io.portcullis.config.IpLiteral;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SPF record parsed by the grammar of RFC 7208 §12. Any syntax error anywhere makes the whole
 * record a permerror (§4.6), before a single mechanism is evaluated.
 */
record SpfRecord(List<Directive> directives, String redirect, String explanation) {

    /** A syntax error: check_host() answers permerror. */
    static final class PermError extends Exception {
        PermError(String message) {
            super(message, null, false, false);
        }
    }

    enum Mechanism { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * @param domainSpec the unexpanded domain-spec, or null for the current domain
     * @param network    the network of ip4/ip6
     */
    record Directive(char qualifier, Mechanism mechanism, String domainSpec, InetAddress network, int cidr4, int cidr6) {
    }

    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)");
    private static final Pattern DUAL_CIDR = Pattern.compile("(.*?)(?:/(0|[1-9]\\d{0,2}))?(?://(0|[1-9]\\d{0,2}))?");
    /** c, r and t are explanation-only macro letters (§7.2): in a domain-spec they are a syntax error. */
    private static final Pattern MACRO_STRING = Pattern.compile(
            "(?:%\\{[slodiphvSLODIPHV]\\d*[rR]?[.\\-+,/_=]*}|%%|%_|%-|[\\x21-\\x24\\x26-\\x7e])*");
    private static final Pattern TOPLABEL = Pattern.compile(
            "(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])");

    /** True for a TXT record that is an SPF record: "v=spf1" alone or followed by a space (§4.5). */
    static boolean isSpf(String text) {
        return text.regionMatches(true, 0, "v=spf1", 0, 6) && (text.length() == 6 || text.charAt(6) == ' ');
    }

    static SpfRecord parse(String text) throws PermError {
        List<Directive> directives = new ArrayList<>();
        String redirect = null;
        String explanation = null;
        for (String term : text.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (modifier.matches()) {
                String name = modifier.group(1).toLowerCase(Locale.ROOT);
                String value = modifier.group(2);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) {
                            throw new PermError("redirect given twice");
                        }
                        redirect = domainSpec(value);
                    }
                    case "exp" -> {
                        if (explanation != null) {
                            throw new PermError("exp given twice");
                        }
                        explanation = domainSpec(value);
                    }
                    default -> macroString(value);
                }
                continue;
            }
            directives.add(directive(term));
        }
        return new SpfRecord(directives, redirect, explanation);
    }

    private static Directive directive(String term) throws PermError {
        char qualifier = '+';
        String rest = term;
        if ("+-?~".indexOf(rest.charAt(0)) >= 0) {
            qualifier = rest.charAt(0);
            rest = rest.substring(1);
        }
        int colon = rest.indexOf(':');
        int slash = rest.indexOf('/');
        int nameEnd = colon >= 0 && (slash < 0 || colon < slash) ? colon : slash >= 0 ? slash : rest.length();
        String name = rest.substring(0, nameEnd).toLowerCase(Locale.ROOT);
        String argument = colon == nameEnd ? rest.substring(colon + 1) : null;
        String cidrPart = colon == nameEnd || nameEnd == rest.length() ? null : rest.substring(nameEnd);
        return switch (name) {
            case "all" -> {
                if (nameEnd != rest.length()) {
                    throw new PermError("all takes no argument: " + term);
                }
                yield new Directive(qualifier, Mechanism.ALL, null, null, 32, 128);
            }
            case "include", "exists" -> {
                if (argument == null || cidrPart != null) {
                    throw new PermError(name + " needs a domain: " + term);
                }
                yield new Directive(qualifier, name.equals("include") ? Mechanism.INCLUDE : Mechanism.EXISTS,
                        domainSpec(argument), null, 32, 128);
            }
            case "a", "mx" -> {
                String withCidr = argument != null ? argument : cidrPart == null ? "" : cidrPart;
                Matcher m = DUAL_CIDR.matcher(withCidr);
                if (!m.matches()) {
                    throw new PermError("bad " + name + ": " + term);
                }
                int cidr4 = cidr(m.group(2), 32);
                int cidr6 = cidr(m.group(3), 128);
                String domain = argument == null ? null : domainSpec(m.group(1));
                if (argument == null && !m.group(1).isEmpty()) {
                    throw new PermError("bad " + name + ": " + term);
                }
                yield new Directive(qualifier, name.equals("a") ? Mechanism.A : Mechanism.MX, domain, null, cidr4, cidr6);
            }
            case "ptr" -> {
                if (cidrPart != null) {
                    throw new PermError("ptr takes no prefix length: " + term);
                }
                yield new Directive(qualifier, Mechanism.PTR, argument == null ? null : domainSpec(argument), null, 32, 128);
            }
            case "ip4", "ip6" -> {
                if (argument == null) {
                    throw new PermError(name + " needs a network: " + term);
                }
                boolean v4 = name.equals("ip4");
                int slashAt = argument.indexOf('/');
                String address = slashAt >= 0 ? argument.substring(0, slashAt) : argument;
                String length = slashAt >= 0 ? argument.substring(slashAt + 1) : null;
                if (length != null && !length.matches("0|[1-9]\\d{0,2}")) {
                    throw new PermError("bad prefix length: " + term);
                }
                InetAddress network = IpLiteral.parse(address);
                if (!v4 && network instanceof Inet4Address mapped && address.contains(":")) {
                    network = ipv4Mapped(mapped); // ::FFFF:a.b.c.d stays an IPv6 network
                }
                if (network == null || (network instanceof Inet4Address) != v4 || (v4 && address.contains(":"))) {
                    throw new PermError("bad " + name + " address: " + term);
                }
                int prefix = length == null ? (v4 ? 32 : 128) : Integer.parseInt(length);
                if (prefix > (v4 ? 32 : 128)) {
                    throw new PermError("prefix length too long: " + term);
                }
                yield new Directive(qualifier, v4 ? Mechanism.IP4 : Mechanism.IP6, null, network, v4 ? prefix : 32,
                        v4 ? 128 : prefix);
            }
            default -> throw new PermError("unknown mechanism: " + term);
        };
    }

    private static InetAddress ipv4Mapped(Inet4Address address) throws PermError {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(address.getAddress(), 0, bytes, 12, 4);
        try {
            return java.net.Inet6Address.getByAddress(null, bytes, null);
        } catch (java.net.UnknownHostException e) {
            throw new PermError("bad ip6 address " + address);
        }
    }

    private static int cidr(String text, int max) throws PermError {
        if (text == null) {
            return max;
        }
        int value = Integer.parseInt(text);
        if (value > max) {
            throw new PermError("prefix length /" + text + " longer than " + max);
        }
        return value;
    }

    /** A domain-spec: a macro-string ending in a top label or a macro (§7.1). */
    static String domainSpec(String text) throws PermError {
        macroString(text);
        if (text.isEmpty()) {
            throw new PermError("empty domain-spec");
        }
        if (text.endsWith("}") || text.endsWith("%%") || text.endsWith("%_") || text.endsWith("%-")) {
            return text;
        }
        String trimmed = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        int dot = trimmed.lastIndexOf('.');
        if (dot < 0 || !TOPLABEL.matcher(trimmed.substring(dot + 1)).matches()) {
            throw new PermError("domain-spec \"" + text + "\" does not end in a top-level label");
        }
        return text;
    }

    static void macroString(String text) throws PermError {
        if (!MACRO_STRING.matcher(text).matches()) {
            throw new PermError("bad macro string \"" + text + "\"");
        }
    }
}
