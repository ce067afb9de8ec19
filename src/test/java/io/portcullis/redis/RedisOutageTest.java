package io.portcullis.redis;

import static io.portcullis.redis.SharedStateNodes.GREYLISTED;
import static io.portcullis.redis.SharedStateNodes.UNAVAILABLE;
import static io.portcullis.redis.SharedStateNodes.USER;
import static io.portcullis.redis.SharedStateNodes.client;
import static io.portcullis.redis.SharedStateNodes.greylistAttempt;
import static io.portcullis.redis.SharedStateNodes.mailFrom;
import static io.portcullis.redis.SharedStateNodes.submitter;
import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.RedisServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, shared state when Redis goes away: one node configured {@code on-failure: open}, one
 * {@code closed}, both on one real Redis that the test kills, or freezes (SIGSTOP: connections are
 * accepted, nothing is answered). Open: mail flows (this node's own counters, greylisting skipped)
 * and the failures are counted; closed: 451 4.3.0 at MAIL and RCPT, 454 4.7.0 at AUTH, nothing
 * queued. No session hangs (each exchange is timed against a generous bound), and both nodes
 * use Redis again once it is back.
 */
class RedisOutageTest {
    /** Far above the 500 ms timeout and the 500 ms pause, far below a client's patience. */
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final MutableClock clock = new MutableClock();
    private static RedisServer redis;
    private static TestGateway open;
    private static TestGateway closed;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        open = TestGateway.startYaml(SharedStateNodes.yaml(redis.address(), "open"), clock);
        closed = TestGateway.startYaml(SharedStateNodes.yaml(redis.address(), "closed"), clock);
    }

    @AfterAll
    static void stop() throws Exception {
        try (var closing = redis) {
            if (open != null) {
                open.close();
            }
            if (closed != null) {
                closed.close();
            }
        }
    }

    /** Redis running and empty again, whatever the test did to it. */
    @AfterEach
    void restoreRedis() throws Exception {
        redis.thaw();
        try (var jedis = redis.client()) {
            jedis.ping();
        } catch (RuntimeException e) {
            redis.startAgain();
        }
        redis.flushAll();
    }

    @Test
    void withRedisDownAnOpenNodeKeepsMailFlowingCountsTheFailuresAndRecovers() throws Exception {
        redis.stop();
        int queued = open.queued().size();
        long started = System.nanoTime();
        try (SmtpScript smtp = submitter(open, "127.0.7.1", USER)) {
            smtp.sendMessage(USER, "friend@remote.test", "Subject: redis is down\r\n\r\nx\r\n");
        }
        try (SmtpScript smtp = client(open, "inbound", "127.0.7.2")) { // greylisting skipped: accepted at once
            smtp.sendMessage("sender@remote.test", "rcpt@example.test", "Subject: not greylisted\r\n\r\nx\r\n");
        }
        assertThat(mailFrom(open, "limited", "127.0.7.3")).startsWith("250 2.1.0");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(open.queued()).hasSize(queued + 2);
        String metrics = open.metrics();
        for (String feature : new String[] {"rate-limits", "auth-throttle", "greylisting"}) {
            assertThat(failures(metrics, feature)).as(feature + " failures").isGreaterThanOrEqualTo(1);
        }

        redis.startAgain();
        Eventually.await(BOUND, "greylisting on Redis again",
                () -> greylistAttempt(open, "127.0.8.1").startsWith(GREYLISTED));
        assertThat(redis.client().keys("node-test:grey:*")).isNotEmpty();
    }

    @Test
    void withRedisDownAClosedNodeRefusesForNowWithTheRightCodesAndRecovers() throws Exception {
        redis.stop();
        int queued = closed.queued().size();
        long started = System.nanoTime();
        assertThat(mailFrom(closed, "limited", "127.0.9.1")).startsWith(UNAVAILABLE + " Temporary local problem");
        assertThat(greylistAttempt(closed, "127.0.9.2")).startsWith(UNAVAILABLE);
        try (SmtpScript smtp = client(closed, "submission", "127.0.9.3")) {
            smtp.send("AUTH PLAIN " + plain("", USER, SharedStateNodes.PASSWORD)).expect("454 4.7.0");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(closed.queued()).hasSize(queued);
        assertThat(failures(closed.metrics(), "rate-limits")).isGreaterThanOrEqualTo(1);

        redis.startAgain();
        Eventually.await(BOUND, "MAIL accepted with Redis back",
                () -> mailFrom(closed, "limited", "127.0.9.1").startsWith("250 2.1.0"));
        try (SmtpScript smtp = submitter(closed, "127.0.9.3", USER)) {
            smtp.sendMessage(USER, "friend@remote.test", "Subject: redis is back\r\n\r\nx\r\n");
        }
        assertThat(closed.queued()).hasSize(queued + 1);
    }

    @Test
    void aHangingRedisCostsATimeoutNotAHungSession() throws Exception {
        redis.freeze();
        long started = System.nanoTime();
        assertThat(mailFrom(closed, "limited", "127.0.10.1")).startsWith(UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        int queued = open.queued().size();
        started = System.nanoTime();
        try (SmtpScript smtp = submitter(open, "127.0.10.2", USER)) {
            smtp.sendMessage(USER, "friend@remote.test", "Subject: redis hangs\r\n\r\nx\r\n");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(open.queued()).hasSize(queued + 1);

        redis.thaw();
        Eventually.await(BOUND, "MAIL accepted with Redis answering again",
                () -> mailFrom(closed, "limited", "127.0.10.1").startsWith("250 2.1.0"));
    }

    /** The value of {@code portcullis_shared_state_failures_total{feature}} in a scrape. */
    private static double failures(String metrics, String feature) {
        Matcher m = Pattern.compile("(?m)^portcullis_shared_state_failures_total\\{feature=\"" + Pattern.quote(feature)
                + "\"[^}]*} (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("the failure counter of " + feature + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
