package io.portcullis.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * One YAML mapping read as configuration: typed getters with defaults, each error reported with
 * the line of the offending value and the full key path ({@code listeners[0].limits.max-errors}).
 * {@link #finish()} reports every key nobody asked for, with a suggestion when one is close.
 */
final class YamlMap {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final ConfigErrors errors;
    private final String path;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    YamlMap(ConfigErrors errors, String path, Node node) {
        this.errors = errors;
        this.path = path;
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : null;
                if (key == null) {
                    errors.add(tuple.getKeyNode(), path, "keys must be plain names");
                } else if (entries.putIfAbsent(key, tuple) != null) {
                    errors.add(tuple.getKeyNode(), keyPath(key), "key given twice");
                }
            }
        } else if (node != null) {
            errors.add(node, path, "expected a mapping of keys to values");
        }
    }

    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigErrors errors() {
        return errors;
    }

    /**
     * When set (by a test), told the path of every key any configuration read asks for, asked for
     * whether present or not: the list of keys the loader knows, to compare with the example.
     */
    static volatile java.util.function.Consumer<String> keysAsked;

    Node node(String key) {
        known.add(key);
        java.util.function.Consumer<String> recorder = keysAsked;
        if (recorder != null) {
            recorder.accept(keyPath(key));
        }
        NodeTuple tuple = entries.get(key);
        if (tuple == null || isNull(tuple.getValueNode())) {
            return null;
        }
        return tuple.getValueNode();
    }

    /** The line of a key, for errors about a value that must be present. */
    Node keyNode(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? null : tuple.getKeyNode();
    }

    /** The keys as written, for mappings whose keys are data (a name → value table). */
    List<String> keys() {
        return List.copyOf(entries.keySet());
    }

    boolean has(String key) {
        return node(key) != null;
    }

    String string(String key, String defaultValue) {
        Node node = node(key);
        if (node == null) {
            return defaultValue;
        }
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue();
        }
        errors.add(node, keyPath(key), "expected a single value");
        return defaultValue;
    }

    /** A string that must be present; reports the mapping itself when it is missing. */
    String requiredString(String key, Node mappingNode) {
        String value = string(key, null);
        if (value == null && !entries.containsKey(key)) {
            errors.add(mappingNode, keyPath(key), "required key is missing");
        }
        return value;
    }

    int integer(String key, int defaultValue, int min, int max) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(node(key), keyPath(key), "expected a whole number from " + min + " to " + max + ", got \"" + text + "\"");
        return defaultValue;
    }

    boolean bool(String key, boolean defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                errors.add(node(key), keyPath(key), "expected true or false, got \"" + text + "\"");
                yield defaultValue;
            }
        };
    }

    /** Octets, written as 1024, 512K, 25MB, 1GiB (binary multiples, as mail software counts). */
    long size(String key, long defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(text.trim());
        if (m.matches() && m.group(1).length() < 16) {
            long value = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            return switch (unit.charAt(0)) {
                case 'k' -> value * 1024;
                case 'm' -> value * 1024 * 1024;
                case 'g' -> value * 1024 * 1024 * 1024;
                default -> value;
            };
        }
        errors.add(node(key), keyPath(key), "expected a size such as 25MB or 512KB, got \"" + text + "\"");
        return defaultValue;
    }

    /** A duration with its unit: 500ms, 30s, 5m, 2h, 5d. */
    Duration duration(String key, Duration defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        Duration parsed = parseDuration(text);
        if (parsed != null) {
            return parsed;
        }
        errors.add(node(key), keyPath(key), "expected a duration such as 30s, 5m or 2h, got \"" + text + "\"");
        return defaultValue;
    }

    /** "30s" to a Duration, or null when the text is not a duration with a unit. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches() || m.group(1).length() >= 10) {
            return null;
        }
        long value = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(value);
            case "s" -> Duration.ofSeconds(value);
            case "m" -> Duration.ofMinutes(value);
            case "h" -> Duration.ofHours(value);
            default -> Duration.ofDays(value);
        };
    }

    /**
     * A file named by {@code key}, resolved against {@code base}; reports it when it cannot be read.
     * Null when the key is absent.
     */
    java.nio.file.Path readableFile(String key, java.nio.file.Path base) {
        String name = string(key, null);
        if (name == null) {
            return null;
        }
        java.nio.file.Path path = base.resolve(name);
        if (!java.nio.file.Files.isRegularFile(path) || !java.nio.file.Files.isReadable(path)) {
            errors.add(node(key), keyPath(key), "file " + path + " does not exist or is not readable");
        }
        return path;
    }

    /** A nested mapping; an absent key gives an empty one, so defaults apply throughout. */
    YamlMap map(String key) {
        return new YamlMap(errors, keyPath(key), node(key));
    }

    /** The items of a list; a single scalar counts as a list of one. */
    List<Node> list(String key) {
        Node node = node(key);
        if (node == null) {
            return List.of();
        }
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        if (node instanceof ScalarNode) {
            return List.of(node);
        }
        errors.add(node, keyPath(key), "expected a list");
        return List.of();
    }

    /** Reports every key that no getter asked for. */
    void finish() {
        for (var entry : entries.entrySet()) {
            if (!known.contains(entry.getKey())) {
                String suggestion = closest(entry.getKey());
                errors.add(entry.getValue().getKeyNode(), keyPath(entry.getKey()),
                        "unknown key" + (suggestion == null ? "" : " (did you mean \"" + suggestion + "\"?)")
                                + "; known keys here: " + String.join(", ", known));
            }
        }
    }

    private String closest(String key) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int distance = editDistance(key, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    static List<String> scalars(ConfigErrors errors, String path, List<Node> nodes) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) instanceof ScalarNode scalar) {
                values.add(scalar.getValue());
            } else {
                errors.add(nodes.get(i), path + "[" + i + "]", "expected a single value");
            }
        }
        return values;
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.getTag().getValue().endsWith(":null");
    }
}
