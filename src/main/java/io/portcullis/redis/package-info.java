/**
 * State shared by several gateway nodes, kept in Redis (issue 17; {@code shared-state:}): the
 * listeners' rate limits, the AUTH throttle, greylisting, the content checks' circuit breakers and
 * the DNS list answers, each behind the interface its local version uses
 * ({@link io.portcullis.policy.RateLimitStore}, {@link io.portcullis.auth.AuthThrottle},
 * {@link io.portcullis.policy.GreylistStore}, {@link io.portcullis.content.SharedCircuit},
 * {@link io.portcullis.dns.SharedAnswers}), so the checks do not know where their state lives.
 *
 * <p>{@link io.portcullis.redis.RedisConnection} is the one way to Redis: a bounded pool (Jedis),
 * a timeout on connecting, borrowing and every command, Lua scripts sent by SHA (EVALSHA, loaded
 * again after NOSCRIPT), and a pause after a failure so a dead Redis costs one timeout, not one per
 * session. A failure is counted ({@code portcullis_shared_state_failures_total{feature}}), logged
 * at most every few seconds, and answered with the feature's {@code on-failure}: open (this node's
 * own counters decide, greylisting is skipped) or closed (a 4xx reply). Keys are a prefix, a kind
 * and a hash of what the client sent (addresses, user names), so no client text reaches a key and
 * every key's length is fixed; every key has a time to live.
 *
 * <p>Place in the flow: beside {@code policy}, {@code auth}, {@code content} and {@code dns},
 * whose interfaces it implements; depends on them, {@code config} and {@code observe} (the failure
 * counter). Wired in {@code app}.
 */
package io.portcullis.redis;
