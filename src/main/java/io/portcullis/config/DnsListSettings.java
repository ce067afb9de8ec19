package io.portcullis.config;

import io.portcullis.smtp.DomainName;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a DNS list check ({@code dnsbl} on the client address, {@code dbl} on domain names) is told:
 * the zones with their reply filters and weights, postscreen style, and what the sum of weights does.
 *
 * @param zones          in the order written; the same zone may appear with several filters
 * @param threshold      a sum of weights at least this takes the {@code action}
 * @param allowThreshold a sum at most this (with at least one listing) allow-lists the client
 * @param action         what a sum reaching {@code threshold} does
 * @param timeout        the budget for all the zones' queries together
 * @param cacheSize      answers kept (least recently used dropped)
 * @param maxTtl         the longest an answer is kept, whatever its TTL
 * @param negativeTtl    how long "not listed" is kept when the answer carries no SOA
 */
public record DnsListSettings(List<Zone> zones, double threshold, double allowThreshold, Action action,
                              Duration timeout, int cacheSize, Duration maxTtl, Duration negativeTtl) {

    /** What a sum reaching the threshold does. */
    public enum Action {
        /** 5xx (at connect: and the session closes). */
        REJECT,
        /** 4xx (at connect: 421 and closed). */
        TEMPFAIL,
        /** The sum is added to the session's score; the listener's {@code reject-score} decides. */
        SCORE,
        /** Logged and counted only. */
        LOG
    }

    /**
     * One {@code zone[=filter][*weight]} entry. The filter is four octet patterns, each a number,
     * {@code [a..b]} or {@code [a;b;c..d]} (as Postfix's postscreen_dnsbl_sites); no filter matches
     * any answer in 127.0.0.0/8.
     *
     * @param zone   the zone as an A-label domain, lower case
     * @param filter the octet patterns, or null for any 127/8 answer
     * @param weight added to the sum when the zone lists the name; negative for allow lists
     * @param text   the entry as written, for logs
     */
    public record Zone(String zone, List<Octet> filter, double weight, String text) {
        private static final java.util.regex.Pattern HOST_NAME =
                java.util.regex.Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

        /** Does this answer (an address the zone gave) count as a listing? */
        public boolean matches(InetAddress answer) {
            if (!(answer instanceof Inet4Address)) {
                return false;
            }
            byte[] octets = answer.getAddress();
            if (filter == null) {
                return (octets[0] & 0xff) == 127;
            }
            for (int i = 0; i < 4; i++) {
                if (!filter.get(i).contains(octets[i] & 0xff)) {
                    return false;
                }
            }
            return true;
        }

        /** Parses an entry; throws IllegalArgumentException with what is wrong. */
        public static Zone parse(String text) {
            String rest = text.trim();
            double weight = 1;
            int star = rest.lastIndexOf('*');
            if (star >= 0) {
                String number = rest.substring(star + 1).trim();
                if (!number.matches("[+-]?\\d{1,6}(\\.\\d{1,6})?")) {
                    throw new IllegalArgumentException("the weight after '*' must be a number such as 3 or -2, got \""
                            + number + "\"");
                }
                weight = Double.parseDouble(number);
                rest = rest.substring(0, star);
            }
            List<Octet> filter = null;
            int equals = rest.indexOf('=');
            if (equals >= 0) {
                filter = filter(rest.substring(equals + 1).trim());
                rest = rest.substring(0, equals);
            }
            String zone = rest.trim();
            String canonical = zone.isEmpty() || zone.startsWith(".") || zone.endsWith(".") || !zone.contains(".")
                    ? null : DomainName.canonical(zone);
            if (canonical == null || canonical.length() > 200 || !HOST_NAME.matcher(canonical).matches()) {
                throw new IllegalArgumentException("\"" + zone + "\" is not a zone name (a domain such as zen.example.org)");
            }
            return new Zone(canonical, filter, weight, text.trim());
        }

        private static List<Octet> filter(String text) {
            if (text.chars().filter(c -> c == '[').count() != text.chars().filter(c -> c == ']').count()) {
                throw badFilter(text, "a '[' without its ']'");
            }
            if (text.replaceAll("\\[[^\\]]*\\]", "0").contains("..")) {
                throw badFilter(text, "a range a..b goes in brackets: [a..b]");
            }
            List<Octet> octets = new ArrayList<>();
            int start = 0;
            while (start <= text.length()) {
                int end = start;
                if (end < text.length() && text.charAt(end) == '[') {
                    end = text.indexOf(']', end);
                    if (end < 0) {
                        throw badFilter(text, "a '[' without its ']'");
                    }
                    end++;
                } else {
                    while (end < text.length() && text.charAt(end) != '.') {
                        end++;
                    }
                }
                octets.add(Octet.parse(text, text.substring(start, end)));
                if (end < text.length() && text.charAt(end) != '.') {
                    throw badFilter(text, "expected '.' after \"" + text.substring(start, end) + "\"");
                }
                start = end + 1;
                if (end == text.length()) {
                    break;
                }
            }
            if (octets.size() != 4) {
                throw badFilter(text, "four octet patterns are needed, separated by '.'");
            }
            return List.copyOf(octets);
        }
    }

    /** The values one octet of an answer may have. */
    public record Octet(List<Range> ranges) {
        boolean contains(int value) {
            for (Range range : ranges) {
                if (value >= range.low() && value <= range.high()) {
                    return true;
                }
            }
            return false;
        }

        static Octet parse(String filter, String text) {
            boolean bracketed = text.startsWith("[") && text.endsWith("]");
            String inner = bracketed ? text.substring(1, text.length() - 1) : text;
            List<Range> ranges = new ArrayList<>();
            for (String item : inner.split(";", -1)) {
                int dots = item.indexOf("..");
                if (dots >= 0 && !bracketed) {
                    throw badFilter(filter, "a range a..b goes in brackets: [" + item + "]");
                }
                int low = value(filter, dots < 0 ? item : item.substring(0, dots));
                int high = dots < 0 ? low : value(filter, item.substring(dots + 2));
                if (low > high) {
                    throw badFilter(filter, "the range " + item + " is empty");
                }
                ranges.add(new Range(low, high));
            }
            return new Octet(List.copyOf(ranges));
        }

        private static int value(String filter, String text) {
            String trimmed = text.trim();
            if (!trimmed.matches("\\d{1,3}") || Integer.parseInt(trimmed) > 255) {
                throw badFilter(filter, "\"" + text + "\" is not an octet value from 0 to 255");
            }
            return Integer.parseInt(trimmed);
        }
    }

    /** Octet values from {@code low} to {@code high}, inclusive. */
    public record Range(int low, int high) {
    }

    private static IllegalArgumentException badFilter(String filter, String problem) {
        return new IllegalArgumentException("bad reply filter \"" + filter + "\": " + problem);
    }
}
