package io.portcullis.delivery;

import java.util.List;
import java.util.Optional;

/**
 * The hook through which MTA-STS (RFC 8461) takes part in delivery: for a recipient domain, the
 * MX patterns of its policy in {@code enforce} mode, or empty when it has none (no policy,
 * {@code testing}, {@code none}, or no fresh policy to be had). With patterns, each MX host must
 * match one (RFC 8461 §4.1) and present a CA-verified certificate naming it (§4.2), or the hop is
 * refused with {@code 451 4.7.5}; such deliveries are recorded as {@code verified=sts}. DANE takes
 * precedence where the domain has validated TLSA records (RFC 8461 §2), and a destination whose
 * level is {@code none} never asks.
 */
@FunctionalInterface
public interface StsPolicies {
    StsPolicies NONE = domain -> Optional.empty();

    Optional<List<String>> enforcedMxPatterns(String domain);

    /** Does an MX host name match a policy's {@code mx} pattern ("mail.example.org" or "*.example.org", one label)? */
    static boolean matches(String pattern, String host) {
        String p = pattern.toLowerCase(java.util.Locale.ROOT);
        String h = host.toLowerCase(java.util.Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot + 1).equals(p.substring(2));
        }
        return p.equals(h);
    }
}
