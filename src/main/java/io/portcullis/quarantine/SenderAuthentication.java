package io.portcullis.quarantine;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a held message's envelope sender was authenticated for its domain, read from our own
 * Authentication-Results field (RFC 8601), the one the listener's {@code authentication} check
 * wrote under one of {@code authservIds}. The content chain removes every client copy of a field
 * under those ids (the check {@code owns} them), so such a field is ours. The sender's domain
 * passes when any of: {@code spf=pass} with {@code smtp.mailfrom} in that domain, {@code
 * dkim=pass} with {@code header.d} that domain, {@code dmarc=pass} with {@code header.from} that
 * domain. Without such a field (no authentication check, or it failed open) nothing passes.
 *
 * <p>SPF speaks for the envelope sender's domain; a DKIM signature, and the DMARC pass it gives,
 * speak for the domain of whoever had it sign, and at a domain shared by many accounts (a mailbox
 * provider) any account holder can have a message signed and replay it under another account's
 * envelope sender. So a DKIM or DMARC pass counts only when the first From: field (which every
 * signature covers) names the envelope sender itself ({@link SenderAllowList#canonical}: +tags
 * folded, the domain in any case).
 */
final class SenderAuthentication {
    private SenderAuthentication() {
    }

    static boolean passes(List<String[]> fields, Set<String> authservIds, String sender) {
        int at = sender == null ? -1 : sender.lastIndexOf('@');
        if (at < 0 || authservIds.isEmpty()) {
            return false;
        }
        String domain = sender.substring(at + 1).toLowerCase(Locale.ROOT);
        boolean fromIsSender = sender.equals(fromAddress(fields)) || (SenderAllowList.canonical(sender) != null
                && SenderAllowList.canonical(sender).equals(SenderAllowList.canonical(fromAddress(fields))));
        for (String[] field : fields) {
            if (!field[0].equalsIgnoreCase("Authentication-Results")) {
                continue;
            }
            String[] parts = field[1].split(";");
            String id = parts[0].strip().replaceAll("\\s.*", "").toLowerCase(Locale.ROOT);
            if (authservIds.stream().noneMatch(id::equalsIgnoreCase)) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                String result = parts[i].replaceAll("\\([^)]*\\)", " ").strip().toLowerCase(Locale.ROOT);
                if ((result.startsWith("spf=pass ") && property(result, "smtp.mailfrom").endsWith("@" + domain))
                        || (fromIsSender && result.startsWith("dkim=pass ") && property(result, "header.d").equals(domain))
                        || (fromIsSender && result.startsWith("dmarc=pass ") && property(result, "header.from").equals(domain))) {
                    return true;
                }
            }
            return false; // only the first field of ours counts: the check prepends it
        }
        return false;
    }

    /** The address of the first From: field (in angle brackets, or the whole value), read as UTF-8; null without one. */
    static String fromAddress(List<String[]> fields) {
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase("From")) {
                String value = new String(field[1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                        java.nio.charset.StandardCharsets.UTF_8).strip();
                int open = value.lastIndexOf('<');
                int close = open < 0 ? -1 : value.indexOf('>', open);
                return open >= 0 && close > open ? value.substring(open + 1, close).strip() : value;
            }
        }
        return null;
    }

    private static String property(String result, String name) {
        for (String word : result.split("\\s+")) {
            if (word.startsWith(name + "=")) {
                return word.substring(name.length() + 1);
            }
        }
        return "";
    }
}
