package io.portcullis.config;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects errors as "file:line: key: message", so one run reports every problem at once. */
final class ConfigErrors {
    private final String source;
    private final List<String> messages = new ArrayList<>();

    ConfigErrors(String source) {
        this.source = source;
    }

    void add(Node node, String key, String message) {
        String line = node == null ? "" : node.getStartMark().map(mark -> ":" + (mark.getLine() + 1)).orElse("");
        messages.add(source + line + ": " + (key.isEmpty() ? "" : key + ": ") + message);
    }

    void addGeneral(String message) {
        messages.add(source + ": " + message);
    }

    void throwIfAny() throws ConfigException {
        if (!messages.isEmpty()) {
            throw new ConfigException(messages);
        }
    }
}
