package io.portcullis.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The throttle's bookkeeping on its own: what counts as one source, that guesses spread over many
 * sources slow a user down but never lock them out, and that memory stays bounded however many
 * sources and names arrive. (The conversations are in policy/AuthThrottleTest.)
 */
class AuthThrottleStoreTest {
    private static final String USER = "bob@example.test";
    private static final String LONG = "x".repeat(400);

    private static LocalAuthThrottle throttle(int capacity) {
        return new LocalAuthThrottle(5, 20, Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofSeconds(1),
                Duration.ofSeconds(5), capacity);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void addressesOfOneIpv6Slash64AreOneSource() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        for (int i = 1; i <= 5; i++) {
            throttle.failed(ip("2001:db8:1:2::" + Integer.toHexString(0xa0 + i)), USER);
        }
        assertThat(throttle.isLocked(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), USER)).isTrue();
        assertThat(throttle.isLocked(ip("2001:db8:1:3::1"), USER)).isFalse();
        assertThat(throttle.isLocked(ip("2001:db8:1:2::1"), "alice@example.test")).isFalse();
    }

    @Test
    void ipv4AddressesAreSourcesOfTheirOwnAndMappedAddressesAreIpv4() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        for (int i = 0; i < 5; i++) {
            throttle.failed(ip("192.0.2.1"), USER);
        }
        assertThat(throttle.isLocked(ip("192.0.2.1"), USER)).isTrue();
        assertThat(throttle.isLocked(ip("::ffff:192.0.2.1"), USER)).isTrue();
        assertThat(throttle.isLocked(ip("192.0.2.2"), USER)).isFalse();
    }

    @Test
    void guessesFromManySourcesSlowTheUserDownButNeverLockThemOut() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        assertThat(throttle.delayBeforeCheck(USER)).isZero();
        for (int i = 1; i <= 200; i++) {
            throttle.failed(ip("198.51.100." + (i % 250 + 1)), USER);
        }
        assertThat(throttle.isLocked(ip("203.0.113.9"), USER)).isFalse();
        assertThat(throttle.isLocked(ip("203.0.113.9"), null)).isFalse();
        assertThat(throttle.delayBeforeCheck(USER)).isEqualTo(Duration.ofSeconds(5));
        assertThat(throttle.delayBeforeCheck("alice@example.test")).isZero();
    }

    @Test
    void aSourceGuessingManyUsersIsRefusedForAll() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        for (int i = 0; i < 20; i++) {
            throttle.failed(ip("192.0.2.7"), "user" + i + "@example.test");
        }
        assertThat(throttle.isLocked(ip("192.0.2.7"), null)).isTrue();
        assertThat(throttle.isLocked(ip("192.0.2.8"), null)).isFalse();
    }

    @Test
    void aSuccessDoesNotWipeTheSourcesOtherFailures() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        InetAddress attacker = ip("192.0.2.9");
        for (int i = 0; i < 19; i++) {
            throttle.failed(attacker, "victim" + i + "@example.test");
            throttle.succeeded(attacker, "own-account@example.test");
        }
        throttle.failed(attacker, "victim-last@example.test");
        assertThat(throttle.isLocked(attacker, null)).isTrue();
    }

    @Test
    void millionsOfSourcesAndNamesStayWithinTheCapacity() throws Exception {
        LocalAuthThrottle throttle = throttle(1000);
        byte[] address = new byte[16];
        address[0] = 0x20;
        address[1] = 0x01;
        for (int i = 0; i < 100_000; i++) {
            address[4] = (byte) (i >> 16); // a new /64 every time: nothing is shared
            address[5] = (byte) (i >> 8);
            address[6] = (byte) i;
            throttle.failed(InetAddress.getByAddress(address), LONG + i);
        }
        assertThat(throttle.trackedCounters()).isLessThanOrEqualTo(3 * 1000);
        // the newest attacker is still remembered
        for (int i = 0; i < 5; i++) {
            throttle.failed(InetAddress.getByAddress(address), USER);
        }
        assertThat(throttle.isLocked(InetAddress.getByAddress(address), USER)).isTrue();
    }

    @Test
    void theCacheForgetsExpiredEntriesAndTheLeastRecentlyUsedWhenFull() throws Exception {
        ExpiringCache<String, Integer> cache = new ExpiringCache<>(32, Duration.ofMinutes(1));
        for (int i = 0; i < 1000; i++) {
            cache.put("key" + i, i);
            cache.get("key0"); // kept warm: never the least recently used
        }
        assertThat(cache.size()).isLessThanOrEqualTo(32);
        assertThat(cache.get("key0")).isZero();
        assertThat(cache.get("key999")).isEqualTo(999);
        assertThat(cache.get("key1")).isNull();

        ExpiringCache<String, Integer> shortLived = new ExpiringCache<>(32, Duration.ofMillis(1));
        shortLived.put("gone", 1);
        Thread.sleep(20);
        assertThat(shortLived.get("gone")).isNull();
        assertThat(shortLived.update("gone", old -> old == null ? 1 : old + 1)).isEqualTo(1);
    }
}
