package io.portcullis.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.SharedStateConfig;
import io.portcullis.content.CircuitBreaker;
import io.portcullis.observe.Telemetry;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A circuit breaker shared through a real Redis, opened by a node whose open period is far longer
 * than the others' (one careless edit: open-for 1h where every other node has 30s). Another node
 * honours the open circuit for at most its own period, then tries the scanner itself, and its
 * success closes the shared circuit for everybody; the node that opened it keeps its own period.
 */
class SharedCircuitOpenPeriodTest {

    @Test
    void aLongOpenPeriodOnOneNodeHoldsOthersOnlyForTheirOwn() throws Exception {
        MutableClock clock = new MutableClock();
        try (RedisServer redis = RedisServer.start();
             RedisConnection connection = new RedisConnection(new SharedStateConfig.Redis("127.0.0.1",
                     Integer.parseInt(redis.address().substring(redis.address().lastIndexOf(':') + 1)), null, 0,
                     Duration.ofMillis(500), "breaker-test:"), Telemetry.none())) {
            CircuitBreaker careless = new CircuitBreaker(1, Duration.ofHours(1), clock,
                    new RedisCircuit(connection, "spamd", true));
            CircuitBreaker other = new CircuitBreaker(5, Duration.ofSeconds(30), clock,
                    new RedisCircuit(connection, "spamd", true));
            careless.failed(); // open for an hour, in Redis too
            assertThat(other.allowsCall()).as("open on another node: open here").isFalse();

            clock.advance(Duration.ofSeconds(31)); // past this node's own period, far inside the other's
            Eventually.await(Duration.ofSeconds(10), "the scanner tried again after this node's own open-for",
                    other::allowsCall);
            assertThat(careless.allowsCall()).as("the node that opened it keeps its own period").isFalse();

            other.succeeded(); // the scanner answered: the shared circuit closes
            try (var jedis = redis.client()) {
                assertThat(jedis.keys("breaker-test:breaker:*")).isEmpty();
            }
        }
    }
}
