package io.portcullis.config;

import java.util.List;

/**
 * A listener's {@code content:} section: the steps run on every message before 250, in order
 * (empty for none), and the MIME limits every message going through them must keep.
 */
public record ContentChainConfig(List<ContentStep> steps, MimeLimits mimeLimits) {
    public ContentChainConfig {
        steps = List.copyOf(steps);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
