package io.portcullis.config;

import java.util.List;

/** A configuration that must not be used; each error names file, line and key. */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
