package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code shared-state:}: local by default (no Redis needed), and errors naming file, line and key. */
class SharedStateConfigTest {
    private static final String BASE = """
            listeners: [{name: inbound, bind: 127.0.0.1:0}]
            """;

    private static GatewayConfig load(String yaml) throws Exception {
        Path file = Files.createTempFile("shared-state", ".yaml");
        try {
            Files.writeString(file, BASE + yaml);
            return ConfigLoader.load(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void absentMeansLocalEverywhereAndTheEmbeddedDefaultNeedsNoRedis() throws Exception {
        assertThat(load("").sharedState()).isEqualTo(SharedStateConfig.LOCAL);
        assertThat(ConfigLoader.embeddedDefault().sharedState().usesRedis()).isFalse();
    }

    @Test
    void readsTheRedisBlockAndEachFeature() throws Exception {
        SharedStateConfig config = load("""
                shared-state:
                  redis: {address: "[::1]:6380", database: 2, timeout: 300ms, key-prefix: "mx:"}
                  rate-limits: {store: redis, on-failure: closed}
                  greylisting: {store: redis}
                """).sharedState();
        assertThat(config.redis()).isEqualTo(new SharedStateConfig.Redis("::1", 6380, null, 2, Duration.ofMillis(300), "mx:"));
        assertThat(config.rateLimits()).isEqualTo(new SharedStateConfig.Feature(SharedStateConfig.Store.REDIS,
                SharedStateConfig.OnFailure.CLOSED));
        assertThat(config.greylisting().failsOpen()).isTrue();
        assertThat(config.authThrottle()).isEqualTo(SharedStateConfig.Feature.LOCAL);
    }

    @Test
    void refusesBadValuesNamingTheKey() {
        assertThatThrownBy(() -> load("shared-state: {rate-limits: {store: redis}}\n"))
                .hasMessageContaining("shared-state").hasMessageContaining("no redis: block");
        assertThatThrownBy(() -> load("shared-state: {redis: {address: \"a b:1\"}}\n"))
                .hasMessageContaining("shared-state.redis.address");
        assertThatThrownBy(() -> load("shared-state: {redis: {address: x:6379, timeout: 1m}}\n"))
                .hasMessageContaining("shared-state.redis.timeout");
        assertThatThrownBy(() -> load("shared-state: {redis: {address: x:6379, key-prefix: \"a\\r\\nFLUSHALL\"}}\n"))
                .hasMessageContaining("shared-state.redis.key-prefix");
        assertThatThrownBy(() -> load("shared-state: {greylisting: {store: memcached}}\n"))
                .hasMessageContaining("shared-state.greylisting.store");
        assertThatThrownBy(() -> load("shared-state: {greylisting: {on-falure: open}}\n"))
                .hasMessageContaining("on-failure");
    }
}
