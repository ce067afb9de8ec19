package io.portcullis.content.authentication;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scenario's zone data from the RFC 7208 suite, as a zone file for NSD. As the suite's own
 * driver does: SPF (type 99) records become TXT records where a name has no TXT record, and a name
 * whose TXT lookup times out is listed for dnsmasq to send nowhere (dnsmasq routes a domain with
 * its subdomains, so names below a timed-out one get their own route back to NSD). Names DNS cannot carry (a
 * label over 63 octets) are left out: no server can answer for them.
 */
record SpfZone(String zoneFile, Set<String> timeoutNames, Set<String> names) {

    @SuppressWarnings("unchecked")
    static SpfZone of(Map<String, Object> zonedata) {
        StringBuilder zone = new StringBuilder();
        Set<String> timeouts = new LinkedHashSet<>();
        for (var entry : zonedata.entrySet()) {
            String name = entry.getKey().toLowerCase();
            if (!isRepresentable(name)) {
                continue;
            }
            List<Object> records = (List<Object>) entry.getValue();
            boolean hasTxt = records.stream().anyMatch(r -> r instanceof Map<?, ?> m && m.containsKey("TXT"));
            boolean txtAnswered = false;
            for (Object record : records) {
                if ("TIMEOUT".equals(record)) {
                    if (!txtAnswered) {
                        timeouts.add(name);
                    }
                    continue;
                }
                Map<String, Object> map = (Map<String, Object>) record;
                String type = map.keySet().iterator().next();
                Object value = map.get(type);
                if (type.equals("SPF")) {
                    if (hasTxt) {
                        continue;
                    }
                    type = "TXT";
                }
                String owner = absolute(name);
                switch (type) {
                    case "TXT" -> {
                        if ("NONE".equals(value)) {
                            zone.append(owner).append(" IN HINFO \"none\" \"none\"\n"); // the name exists, without TXT
                        } else {
                            List<String> strings = value instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                                    : List.of(String.valueOf(value));
                            zone.append(owner).append(" IN TXT");
                            strings.forEach(s -> zone.append(' ').append(quoted(s)));
                            if (strings.isEmpty()) {
                                zone.append(" \"\""); // no strings at all cannot be written; one empty string is closest
                            }
                            zone.append('\n');
                            txtAnswered = true;
                        }
                    }
                    case "A", "AAAA" -> {
                        List<Object> values = value instanceof List<?> list ? (List<Object>) list : List.of(value);
                        values.forEach(v -> zone.append(owner).append(" IN ").append(map.keySet().iterator().next())
                                .append(' ').append(v).append('\n'));
                    }
                    case "MX" -> {
                        List<Object> mx = (List<Object>) value;
                        String host = String.valueOf(mx.get(1));
                        if (isRepresentable(host)) {
                            zone.append(owner).append(" IN MX ").append(mx.get(0)).append(' ').append(absolute(host)).append('\n');
                        }
                    }
                    case "PTR", "CNAME" -> {
                        String target = String.valueOf(value);
                        if (isRepresentable(target)) {
                            zone.append(owner).append(" IN ").append(type).append(' ').append(absolute(target)).append('\n');
                        }
                    }
                    default -> throw new IllegalArgumentException("zone data type " + type);
                }
            }
        }
        Set<String> names = new LinkedHashSet<>();
        zonedata.keySet().stream().map(String::toLowerCase).filter(SpfZone::isRepresentable).forEach(names::add);
        return new SpfZone(zone.toString(), timeouts, names);
    }

    /** The name in zone-file syntax: absolute, with the characters the format gives a meaning escaped. */
    private static String absolute(String name) {
        StringBuilder out = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (" ;()\"\\@$".indexOf(c) >= 0) {
                out.append(String.format("\\%03d", (int) c));
            } else {
                out.append(c);
            }
        }
        return name.endsWith(".") ? out.toString() : out + ".";
    }

    static boolean isRepresentable(String name) {
        String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (bare.isEmpty() || bare.length() > 253) {
            return false;
        }
        for (String label : bare.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || !label.matches("[\\x20-\\x7e]+")) {
                return false;
            }
        }
        return true;
    }

    /** Character-strings of at most 255 octets, quoted, with zone-file escapes. */
    private static String quoted(String text) {
        byte[] octets = text.getBytes(StandardCharsets.UTF_8);
        List<String> strings = new ArrayList<>();
        for (int start = 0; start < octets.length || start == 0; start += 255) {
            StringBuilder out = new StringBuilder("\"");
            for (int i = start; i < Math.min(octets.length, start + 255); i++) {
                int b = octets[i] & 0xff;
                if (b == '"' || b == '\\') {
                    out.append('\\').append((char) b);
                } else if (b < 32 || b > 126) {
                    out.append(String.format("\\%03d", b));
                } else {
                    out.append((char) b);
                }
            }
            strings.add(out.append('"').toString());
            if (octets.length == 0) {
                break;
            }
        }
        return String.join(" ", strings);
    }
}
