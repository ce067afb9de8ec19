package io.portcullis.app;

import io.portcullis.listener.Listener;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful stop (SIGTERM, {@code systemctl stop}), in the order a mail server owes its clients:
 * <ol>
 *   <li>stop accepting on every listener at once (new connections are refused by the kernel, so a
 *       client tries another MX or comes back later);</li>
 *   <li>let the sessions in progress finish, up to {@code shutdown-timeout}: a client in the middle
 *       of DATA gets its {@code 250} (the message is committed before that, as always);</li>
 *   <li>at the deadline, every session still open hears {@code 421 4.3.2} and is closed (RFC 5321
 *       §3.8: the server may close with 421 when it must shut down);</li>
 *   <li>stop delivery (attempts in progress get up to 10 s to record their outcome) and close the
 *       spool; what stays queued is delivered after the next start.</li>
 * </ol>
 * Each step is logged with the count of what was left, so the journal tells whether a stop cut anything off.
 */
final class GracefulStop {
    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);
    private static final long POLL_MILLIS = 100;

    private GracefulStop() {
    }

    /** The counts a stop left behind: sessions closed with 421, delivery attempts still running. */
    record Outcome(int sessionsCutOff, int deliveryAttempts, long queued) {
    }

    static Outcome run(Gateway gateway, Duration timeout) {
        List<Listener> listeners = gateway.listeners();
        listeners.forEach(Listener::stopAccepting);
        int open = sessions(listeners);
        log.info("shutdown: stopped accepting connections; {} sessions in progress, waiting up to {}s for them to finish",
                open, timeout.toSeconds());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sessions(listeners) > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cutOff = 0;
        if (sessions(listeners) > 0) {
            for (Listener listener : listeners) {
                cutOff += listener.shutDownSessions();
            }
            log.warn("shutdown: deadline reached; {} sessions still open were told 421 4.3.2 and closed", cutOff);
        } else {
            log.info("shutdown: every session has finished");
        }
        int attempts = gateway.scheduler() == null ? 0 : gateway.scheduler().attemptsInProgress();
        long queued = gateway.config().flows().stream()
                .mapToLong(flow -> gateway.scheduler() == null ? 0 : gateway.scheduler().queued(flow)).sum();
        log.info("shutdown: stopping delivery; {} delivery attempts in progress, {} messages stay queued for the next start",
                attempts, queued);
        gateway.close();
        log.info("shutdown: done; left: {} sessions closed with 421, {} delivery attempts in progress at the stop,"
                + " {} messages queued", cutOff, attempts, queued);
        return new Outcome(cutOff, attempts, queued);
    }

    private static int sessions(List<Listener> listeners) {
        return listeners.stream().mapToInt(Listener::activeConnections).sum();
    }
}
