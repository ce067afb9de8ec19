package io.portcullis.policy;

import io.portcullis.smtp.Mailbox;
import java.net.InetAddress;

/**
 * Does the sender's SPF record authorise the client (RFC 7208 result {@code pass})? Policy checks
 * ask through this so that {@code policy} does not depend on {@code content.authentication}, where
 * the SPF evaluator lives; {@code app} wires the two. Thread-safe; bounded in time by the
 * evaluator's own DNS budget; false for every result but pass, including errors.
 */
@FunctionalInterface
public interface SpfAuthorization {
    boolean passes(InetAddress client, Mailbox sender, String helo);
}
