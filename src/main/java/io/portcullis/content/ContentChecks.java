package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checks of one configuration, by name, each with its circuit breaker. Built once per
 * configuration (start-up and reload) and shared by every listener's chain.
 */
public final class ContentChecks implements AutoCloseable {
    record Entry(ContentCheck check, CircuitBreaker breaker) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** The checks by name, each given a circuit breaker; see {@link #builtIn} for most of them. */
    public ContentChecks(Map<String, ContentCheck> checks) {
        this(checks, null);
    }

    /** As {@link #ContentChecks(Map)}, each breaker sharing its state through {@code shared} (by check name), or none when null. */
    public ContentChecks(Map<String, ContentCheck> checks, java.util.function.Function<String, SharedCircuit> shared) {
        checks.forEach((name, check) -> entries.put(name, new Entry(check, new CircuitBreaker(
                CircuitBreaker.DEFAULT_THRESHOLD, CircuitBreaker.DEFAULT_OPEN_FOR, Clock.systemUTC(),
                shared == null ? null : shared.apply(name)))));
    }

    /**
     * A check of this package for its configuration, or null for a kind this package does not
     * hold (sender authentication). Loads, or at first start generates, the keys a check needs;
     * fails naming the file that is wrong.
     */
    public static ContentCheck builtIn(CheckConfig config, String hostname, Path dataDirectory, Spool spool)
            throws IOException {
        return switch (config) {
            case CheckConfig.Spamd spamd -> new SpamdCheck(spamd);
            case CheckConfig.Rspamd rspamd -> new RspamdCheck(rspamd);
            case CheckConfig.Clamd clamd -> new ClamdCheck(clamd);
            case CheckConfig.Milter milter -> new MilterCheck(milter, hostname);
            case CheckConfig.Rules rules -> new RulesCheck(rules);
            case CheckConfig.DkimSign dkim -> new DkimSignCheck(dkim, dataDirectory);
            case CheckConfig.Disclaimer disclaimer -> new DisclaimerCheck(disclaimer);
            case CheckConfig.Archive archive -> new ArchiveCheck(archive, spool);
            default -> null;
        };
    }

    Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("no check named " + name); // the config reader refuses such chains
        }
        return entry;
    }

    @Override
    public void close() {
        entries.values().forEach(e -> e.check().close());
    }
}
