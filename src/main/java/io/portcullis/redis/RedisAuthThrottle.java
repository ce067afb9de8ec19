package io.portcullis.redis;

import io.portcullis.auth.AuthThrottle;
import io.portcullis.auth.LocalAuthThrottle;
import io.portcullis.config.AuthThrottleConfig;
import io.portcullis.config.ClientSource;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AUTH throttle counted in Redis, with the rules of {@link LocalAuthThrottle} (per source, per
 * user from a source, per user; lockout of a source, never of a user), so a throttle tripped on one
 * node holds on every node. Each counter is one hash (count, window start, end of lockout; Redis's
 * clock in milliseconds) under a hashed key, moved by one Lua script per failure, and expires
 * {@code max(window, lockout)} after its last failure, as the local counters do.
 * When Redis cannot answer, {@code on-failure: open} counts in this node's own throttle meanwhile;
 * {@code closed} refuses AUTH for now (454 4.7.0, as a locked source) and records nothing.
 */
public final class RedisAuthThrottle implements AuthThrottle {
    static final String FEATURE = "auth-throttle";
    /** Longer names are no user's; as in the local throttle. */
    private static final int MAX_NAME_KEY = 320;

    /** KEYS: counters; ARGV: window, lockout, ttl (ms), then each counter's lock-at (0: never). Returns the counts. */
    static final RedisScript FAIL = RedisScript.of("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local window, lockout, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local counts = {}
            for i, key in ipairs(KEYS) do
              local lockAt = tonumber(ARGV[3 + i])
              local f = redis.call('HMGET', key, 'c', 's', 'l')
              local count, start, locked = tonumber(f[1]), tonumber(f[2]), tonumber(f[3]) or 0
              if count == nil or (now - start > window and locked <= now) then
                count, start, locked = 0, now, 0
              end
              count = count + 1
              if lockAt > 0 and count >= lockAt then locked = now + lockout end
              redis.call('HSET', key, 'c', count, 's', string.format('%d', start), 'l', string.format('%d', locked))
              redis.call('PEXPIRE', key, ttl)
              counts[i] = count
            end
            return counts
            """);
    /** KEYS: counters; returns 1 when any is locked now. */
    static final RedisScript LOCKED = RedisScript.of("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            for _, key in ipairs(KEYS) do
              local locked = tonumber(redis.call('HGET', key, 'l'))
              if locked ~= nil and locked > now then return 1 end
            end
            return 0
            """);

    private final RedisConnection redis;
    private final AuthThrottleConfig config;
    private final boolean failOpen;
    private final LocalAuthThrottle fallback;
    private final List<String> timing;

    public RedisAuthThrottle(RedisConnection redis, AuthThrottleConfig config, boolean failOpen) {
        this.redis = redis;
        this.config = config;
        this.failOpen = failOpen;
        this.fallback = LocalAuthThrottle.of(config);
        Duration ttl = config.window().compareTo(config.lockout()) > 0 ? config.window() : config.lockout();
        this.timing = List.of(Long.toString(config.window().toMillis()), Long.toString(config.lockout().toMillis()),
                Long.toString(Math.max(1, ttl.toMillis())));
    }

    @Override
    public boolean isLocked(InetAddress client, String user) {
        String source = ClientSource.of(client).getHostAddress();
        List<String> keys = user == null ? List.of(sourceKey(source)) : List.of(sourceKey(source), userFromSourceKey(user, source));
        try {
            return redis.call(FEATURE, jedis -> RedisConnection.eval(jedis, LOCKED, keys, List.of())).equals(1L);
        } catch (RedisUnavailableException e) {
            return failOpen ? fallback.isLocked(client, user) : true;
        }
    }

    @Override
    public Duration delayBeforeCheck(String user) {
        try {
            int failures = redis.call(FEATURE, jedis -> {
                String count = jedis.hget(userKey(user), "c");
                return count == null ? 0 : Integer.parseInt(count);
            });
            return failures < config.maxFailures() ? Duration.ZERO
                    : capped(config.delayPerFailure().multipliedBy(failures / config.maxFailures()));
        } catch (RedisUnavailableException e) {
            return failOpen ? fallback.delayBeforeCheck(user) : Duration.ZERO;
        }
    }

    @Override
    public Duration failed(InetAddress client, String user) {
        String source = ClientSource.of(client).getHostAddress();
        List<String> keys = new ArrayList<>(3);
        List<String> args = new ArrayList<>(timing);
        keys.add(sourceKey(source));
        args.add(Integer.toString(config.maxFailuresPerSource()));
        if (user != null) {
            keys.add(userFromSourceKey(user, source));
            args.add(Integer.toString(config.maxFailures()));
            keys.add(userKey(user));
            args.add("0");
        }
        try {
            long count = redis.call(FEATURE, jedis -> {
                List<?> counts = (List<?>) RedisConnection.eval(jedis, FAIL, keys, args);
                return user == null ? (Long) counts.get(0) : Math.max((Long) counts.get(0), (Long) counts.get(1));
            });
            return capped(config.delayPerFailure().multipliedBy(count));
        } catch (RedisUnavailableException e) {
            return failOpen ? fallback.failed(client, user) : config.delayPerFailure();
        }
    }

    @Override
    public void succeeded(InetAddress client, String user) {
        String source = ClientSource.of(client).getHostAddress();
        try {
            redis.call(FEATURE, jedis -> jedis.del(userFromSourceKey(user, source)));
        } catch (RedisUnavailableException e) {
            if (failOpen) {
                fallback.succeeded(client, user);
            }
        }
    }

    private Duration capped(Duration delay) {
        return delay.compareTo(config.maxDelay()) > 0 ? config.maxDelay() : delay;
    }

    private String sourceKey(String source) {
        return redis.key("auth:s", source);
    }

    private String userFromSourceKey(String user, String source) {
        return redis.key("auth:us", name(user), source);
    }

    private String userKey(String user) {
        return redis.key("auth:u", name(user));
    }

    private static String name(String user) {
        String name = user.toLowerCase(Locale.ROOT);
        return name.length() > MAX_NAME_KEY ? name.substring(0, MAX_NAME_KEY) : name;
    }
}
