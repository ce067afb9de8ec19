package io.portcullis.redis;

import static io.portcullis.redis.SharedStateNodes.GREYLISTED;
import static io.portcullis.redis.SharedStateNodes.OTHER_USER;
import static io.portcullis.redis.SharedStateNodes.PASSWORD;
import static io.portcullis.redis.SharedStateNodes.USER;
import static io.portcullis.redis.SharedStateNodes.client;
import static io.portcullis.redis.SharedStateNodes.greylistAttempt;
import static io.portcullis.redis.SharedStateNodes.mailFrom;
import static io.portcullis.redis.SharedStateNodes.submitter;
import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.MutableClock;
import io.portcullis.testing.RedisServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Issue 17, shared state: two gateway nodes (each its own data directory and ports) share one real
 * Redis, so what one node counted holds on the other: a per-user and a per-IP hourly limit, an AUTH
 * throttle, a greylisted triplet. Both nodes read one {@link MutableClock} (greylisting's delay
 * passes without waiting); rate limits and the AUTH throttle run on Redis's own clock. Redis is
 * emptied before each test.
 */
class SharedStateAcrossNodesTest {
    private static final MutableClock clock = new MutableClock();
    private static RedisServer redis;
    private static TestGateway nodeA;
    private static TestGateway nodeB;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        nodeA = TestGateway.startYaml(SharedStateNodes.yaml(redis.address(), "closed"), clock);
        nodeB = TestGateway.startYaml(SharedStateNodes.yaml(redis.address(), "closed"), clock);
    }

    @AfterAll
    static void stop() throws Exception {
        try (var closing = redis) {
            if (nodeA != null) {
                nodeA.close();
            }
            if (nodeB != null) {
                nodeB.close();
            }
        }
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    @Test
    void aPerUserHourlyLimitHoldsAcrossNodes() throws Exception {
        int queuedA = nodeA.queued().size();
        int queuedB = nodeB.queued().size();
        try (SmtpScript smtp = submitter(nodeA, "127.0.1.1", USER)) {
            smtp.sendMessage(USER, "friend@remote.test", "Subject: 1\r\n\r\nx\r\n");
            smtp.sendMessage(USER, "friend@remote.test", "Subject: 2\r\n\r\nx\r\n");
        }
        try (SmtpScript smtp = submitter(nodeB, "127.0.1.2", USER)) {
            smtp.sendMessage(USER, "friend@remote.test", "Subject: 3\r\n\r\nx\r\n");
            smtp.send("MAIL FROM:<" + USER + ">").expect("450 4.7.1 Message rate limit exceeded");
        }
        try (SmtpScript smtp = submitter(nodeA, "127.0.1.3", USER)) {
            smtp.send("MAIL FROM:<" + USER + ">").expect("450 4.7.1 Message rate limit exceeded");
        }
        assertThat(nodeA.queued()).hasSize(queuedA + 2);
        assertThat(nodeB.queued()).hasSize(queuedB + 1);
        try (SmtpScript smtp = submitter(nodeB, "127.0.1.2", OTHER_USER)) { // another user is served
            smtp.sendMessage(OTHER_USER, "friend@remote.test", "Subject: other\r\n\r\nx\r\n");
        }
        assertThat(nodeB.queued()).hasSize(queuedB + 2);
    }

    @Test
    void aPerIpLimitHoldsAcrossNodes() throws Exception {
        assertThat(mailFrom(nodeA, "limited", "127.0.2.1")).startsWith("250 2.1.0");
        assertThat(mailFrom(nodeB, "limited", "127.0.2.1")).startsWith("250 2.1.0");
        assertThat(mailFrom(nodeA, "limited", "127.0.2.1")).startsWith("250 2.1.0");
        assertThat(mailFrom(nodeB, "limited", "127.0.2.1")).startsWith("450 4.7.1 Message rate limit exceeded");
        assertThat(mailFrom(nodeA, "limited", "127.0.2.1")).startsWith("450 4.7.1 Message rate limit exceeded");
        assertThat(mailFrom(nodeB, "limited", "127.0.2.2")).startsWith("250 2.1.0"); // another client is served
    }

    @Test
    void aTripletGreylistedOnAPassesOnBAfterTheDelay() throws Exception {
        int queuedB = nodeB.queued().size();
        assertThat(greylistAttempt(nodeA, "127.0.3.1")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(4));
        assertThat(greylistAttempt(nodeB, "127.0.3.1")).startsWith(GREYLISTED); // the delay counts from A's first sight
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        try (SmtpScript smtp = client(nodeB, "inbound", "127.0.3.1")) {
            smtp.sendMessage("sender@remote.test", "rcpt@example.test", "Subject: greylisted on A\r\n\r\nx\r\n");
        }
        assertThat(nodeB.queued()).hasSize(queuedB + 1);
        assertThat(greylistAttempt(nodeA, "127.0.3.1")).startsWith("250 2.1.5"); // passed: A knows it too
        assertThat(greylistAttempt(nodeA, "127.0.4.1")).startsWith(GREYLISTED); // another network starts over
    }

    @Test
    void anAuthThrottleTrippedOnAHoldsOnB() throws Exception {
        try (SmtpScript smtp = client(nodeA, "submission", "127.0.5.1")) {
            smtp.send("AUTH PLAIN " + plain("", USER, "guess1")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", USER, "guess2")).expect("535 5.7.8");
        }
        try (SmtpScript smtp = client(nodeB, "submission", "127.0.5.1")) {
            smtp.send("AUTH PLAIN " + plain("", USER, PASSWORD)).expect("454 4.7.0");
        }
        try (SmtpScript smtp = submitter(nodeB, "127.0.5.2", USER)) { // the user from a clean source is served
            smtp.sendMessage(USER, "friend@remote.test", "Subject: still here\r\n\r\nx\r\n");
        }
    }

    /**
     * Hostile names never reach a key: a user name with CR LF and Redis commands, a sender with
     * spaces and quotes. Every key is the prefix, a kind and a fixed-length hash, and has a TTL.
     */
    @Test
    void keysAreHashedAndEveryKeyExpires() throws Exception {
        try (SmtpScript smtp = client(nodeA, "submission", "127.0.6.1")) {
            smtp.send("AUTH PLAIN " + plain("", "x\r\nFLUSHALL\r\n*1\r\n$4\r\nPING", "guess")).expect("535 5.7.8");
        }
        try (SmtpScript smtp = client(nodeA, "inbound", "127.0.6.1")) {
            smtp.send("MAIL FROM:<\"a b\\\"c FLUSHALL\"@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<rcpt@example.test>").expect(GREYLISTED);
        }
        assertThat(mailFrom(nodeA, "limited", "127.0.6.1")).startsWith("250 2.1.0");
        try (SmtpScript smtp = submitter(nodeA, "127.0.6.1", USER)) {
            smtp.send("MAIL FROM:<" + USER + ">").expect("250 2.1.0");
        }
        try (Jedis jedis = redis.client()) {
            Set<String> keys = jedis.keys("*");
            assertThat(keys).hasSizeGreaterThanOrEqualTo(6); // auth: source, user from source, user; greylist; two rates
            for (String key : keys) {
                assertThat(key).matches("node-test:(rate|auth:s|auth:us|auth:u|grey:[A-Za-z0-9_-]{22}):[A-Za-z0-9_-]{22}");
                assertThat(jedis.pttl(key)).as("TTL of " + key).isPositive();
            }
        }
    }
}
