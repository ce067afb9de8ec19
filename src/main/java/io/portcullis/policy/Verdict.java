package io.portcullis.policy;

import io.portcullis.smtp.Reply;

/**
 * What a check decided. {@code reason} is the counter and log label ("relay", "spoof", "send-as",
 * "recipient-unknown", "access", "dnsbl", ...). A {@link Refusal} ends the command (or, at
 * connect, the session) with its reply; the other verdicts let it go on.
 */
public sealed interface Verdict {

    /** Go on. */
    record Accept() implements Verdict {
    }

    /**
     * Go on, and trust the client for the rest of the session (given at connect or helo) or for the
     * rest of the transaction (given at mail, rcpt or data: about its sender): later checks marked
     * {@link PhaseCheck#isFilter() filters} (block lists, greylisting, HELO checks) are skipped.
     * What an IP allow list or a DNS allow list gives.
     */
    record Allow(String reason) implements Verdict {
    }

    /** Go on, adding {@code points} (negative for good signs) to the session's score. */
    record Score(double points, String reason) implements Verdict {
    }

    /** Would have refused, but the check is configured to log only: logged and counted. */
    record Warn(String reason) implements Verdict {
    }

    /** Could not decide (a DNS timeout, an unreachable service): skipped, counted, the command goes on. */
    record Skip(String reason) implements Verdict {
    }

    /** A verdict that ends the command with its reply. */
    sealed interface Refusal extends Verdict {
        Reply reply();

        String reason();
    }

    /** Refuse for good (a 5xx reply); the session goes on. */
    record Reject(Reply reply, String reason) implements Refusal {
        public Reject {
            if (reply.code() < 500) {
                throw new IllegalArgumentException("a reject needs a 5xx reply: " + reply);
            }
        }
    }

    /** Refuse for now (a 4xx reply): the client should try again later. */
    record Tempfail(Reply reply, String reason) implements Refusal {
        public Tempfail {
            if (reply.code() < 400 || reply.code() >= 500) {
                throw new IllegalArgumentException("a tempfail needs a 4xx reply: " + reply);
            }
        }
    }

    /** Refuse and close the session after the reply. */
    record Disconnect(Reply reply, String reason) implements Refusal {
    }

    Verdict ACCEPT = new Accept();

    /** A refusal with this reply: {@link Tempfail} for a 4xx reply, {@link Reject} for a 5xx one. */
    static Verdict reject(Reply reply, String reason) {
        return reply.code() < 500 ? new Tempfail(reply, reason) : new Reject(reply, reason);
    }

    static Verdict tempfail(Reply reply, String reason) {
        return new Tempfail(reply, reason);
    }
}
