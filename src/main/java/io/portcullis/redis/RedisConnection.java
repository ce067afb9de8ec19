package io.portcullis.redis;

import io.portcullis.config.SharedStateConfig;
import io.portcullis.observe.Telemetry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The gateway's one way to Redis, shared by every Redis-backed feature. Every call is bounded:
 * connecting, borrowing a pooled connection and each command wait at most {@code timeout}; a slow
 * or dead Redis therefore costs a session one timeout. After a failure, calls fail at once for
 * {@link #PAUSE} (a dead Redis costs one timeout per pause, not one per session) and the idle
 * connections are dropped, so the first call after Redis comes back opens a fresh one. Each failure
 * is counted per feature; the log gets at most one line per feature every {@link #LOG_EVERY}, and
 * one line when Redis answers again.
 */
public final class RedisConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);
    /** How long calls fail at once after a failure. */
    static final Duration PAUSE = Duration.ofMillis(500);
    private static final Duration LOG_EVERY = Duration.ofSeconds(10);
    /** Connections kept; a session holds one for a single command or script. */
    private static final int MAX_CONNECTIONS = 64;

    private final JedisPool pool;
    private final String prefix;
    private final Telemetry telemetry;
    private final String address;
    private volatile long pausedUntilNanos = System.nanoTime();
    private volatile boolean failing;
    private final ConcurrentHashMap<String, AtomicLong> nextLogNanos = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> suppressed = new ConcurrentHashMap<>();

    public RedisConnection(SharedStateConfig.Redis config, Telemetry telemetry) throws IOException {
        this.prefix = config.keyPrefix();
        this.telemetry = telemetry;
        this.address = config.host() + ":" + config.port();
        int timeout = (int) config.timeout().toMillis();
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout).blockingSocketTimeoutMillis(timeout).database(config.database())
                .clientName("portcullis");
        if (config.passwordFile() != null) {
            client.password(Files.readString(config.passwordFile(), StandardCharsets.UTF_8).strip());
        }
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(MAX_CONNECTIONS);
        poolConfig.setMaxIdle(MAX_CONNECTIONS);
        poolConfig.setMinIdle(0);
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setMaxWait(config.timeout());
        poolConfig.setJmxEnabled(false);
        this.pool = new JedisPool(poolConfig, new HostAndPort(config.host(), config.port()), client.build());
    }

    /**
     * A key: the prefix, the kind ("rate", "auth:s", ...) and 128 bits of SHA-256 over the parts,
     * in base64url. Whatever a client put in the parts (CR LF, spaces, megabytes), the key is
     * fixed-length and made of safe characters.
     */
    String key(String kind, String... parts) {
        return prefix + kind + ":" + hash(parts);
    }

    /** 128 bits of SHA-256 over the parts (each ended by a NUL), in base64url. */
    static String hash(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest.digest(), 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A key under the prefix for a name that is already safe (a hash the caller made). */
    String plainKey(String kind, String safeName) {
        return prefix + kind + ":" + safeName;
    }

    /**
     * Runs {@code action} on a pooled connection. Throws {@link RedisUnavailableException} (after
     * counting and logging it for {@code feature}) when Redis fails, times out, or failed less than
     * {@link #PAUSE} ago, and when its answer is not what the command gives (a number or list where
     * the action reads one: whatever answers on that address may not be our Redis), so the action
     * reads the answer inside, and a garbled one is a failure like a dead Redis, never an exception
     * that ends the session.
     */
    <T> T call(String feature, Function<Jedis, T> action) {
        if (System.nanoTime() - pausedUntilNanos < 0) {
            throw failed(feature, "paused after a failure");
        }
        try (Jedis jedis = pool.getResource()) {
            T result = action.apply(jedis);
            if (failing) {
                failing = false;
                log.info("shared state: Redis at {} answers again", address);
            }
            return result;
        } catch (JedisException | ClassCastException | NumberFormatException | IndexOutOfBoundsException
                 | NullPointerException e) {
            pausedUntilNanos = System.nanoTime() + PAUSE.toNanos();
            failing = true;
            pool.clear(); // idle connections to a restarted Redis are dead; the next call opens a fresh one
            throw failed(feature, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Opens a first connection and loads the scripts, so the first session does not pay for it (a
     * cold start can take longer than the timeout). A Redis that does not answer yet is only logged:
     * each feature follows its on-failure setting until it does.
     */
    void warmUp(List<RedisScript> scripts) {
        try (Jedis jedis = pool.getResource()) {
            jedis.ping();
            for (RedisScript script : scripts) {
                jedis.scriptLoad(script.source());
            }
            log.info("shared state: Redis at {} answers", address);
        } catch (JedisException e) {
            log.warn("shared state: Redis at {} does not answer yet ({}); features follow their on-failure setting"
                    + " until it does", address, e.getMessage());
        }
    }

    /** Runs a script by its SHA, sending it in full when this Redis does not have it yet (NOSCRIPT). */
    static Object eval(Jedis jedis, RedisScript script, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(script.sha(), keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(script.source(), keys, args);
        }
    }

    private RedisUnavailableException failed(String feature, String why) {
        telemetry.sharedStateFailure(feature);
        long now = System.nanoTime();
        AtomicLong next = nextLogNanos.computeIfAbsent(feature, f -> new AtomicLong(now));
        AtomicLong quiet = suppressed.computeIfAbsent(feature, f -> new AtomicLong());
        long due = next.get();
        if (now - due >= 0 && next.compareAndSet(due, now + LOG_EVERY.toNanos())) {
            log.warn("shared state: Redis at {} failed for {} ({}); {} more failures since the last line;"
                    + " the feature follows its on-failure setting", address, feature, why, quiet.getAndSet(0));
        } else {
            quiet.incrementAndGet();
        }
        return new RedisUnavailableException(feature + ": " + why);
    }

    @Override
    public void close() {
        pool.close();
    }
}
