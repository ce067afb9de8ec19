package io.portcullis.policy;

import io.portcullis.config.CheckAction;
import io.portcullis.config.Phase;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;

/**
 * The verdict a client check's {@link CheckAction} asks for. A scoring check adds its weight once
 * however often it runs (at every RCPT, at a second EHLO): once per session at connect and helo
 * (the score says how the client looks, not how many commands it sent), once per transaction at
 * mail, rcpt and data (where the points are about the sender, and are forgotten with it).
 */
final class ClientCheckVerdicts {
    private ClientCheckVerdicts() {
    }

    /** Remembers, per check, the transaction it scored in ({@link PhaseSession#transaction}), or -1. */
    private static final class Scored implements PhaseSession.Attachment {
        private long scoredIn = -1;

        @Override
        public void close() {
        }
    }

    private record ScoreKey(Object check, boolean perTransaction) {
    }

    /** The check found what it looks for: refuse with {@code reply} (permanent form), score, or log. */
    static Verdict found(CheckAction action, Reply reply, String reason, PhaseInput input, Object check) {
        return switch (action.kind()) {
            case REJECT -> Verdict.reject(reply, reason);
            case TEMPFAIL -> Verdict.tempfail(Replies.temporary(reply), reason);
            case SCORE -> scoredOnce(input, check, new Verdict.Score(action.weight(), reason));
            case LOG -> new Verdict.Warn(reason);
        };
    }

    /**
     * A check's verdict with its score counted once: a score is returned the first time in the
     * session (at connect and helo) or in the transaction (later phases), an accept after that.
     */
    static Verdict scoredOnce(PhaseInput input, Object check, Verdict verdict) {
        if (!(verdict instanceof Verdict.Score)) {
            return verdict;
        }
        boolean perTransaction = input.phase() != Phase.CONNECT && input.phase() != Phase.HELO;
        Scored scored = input.session().attachment(new ScoreKey(check, perTransaction), Scored::new);
        long now = input.session().transaction();
        if (scored.scoredIn != -1 && (!perTransaction || scored.scoredIn == now)) {
            return Verdict.ACCEPT;
        }
        scored.scoredIn = now;
        return verdict;
    }

    /**
     * The DNS answer could not be had: a refusing check with {@code dns-failure: tempfail} refuses
     * for now with {@code reply} (a 4xx); any other goes on (skipped and counted), never a 5xx.
     */
    static Verdict dnsFailed(CheckAction action, Reply reply, String reason, String failure) {
        if (action.refuses() && action.tempfailOnDnsFailure()) {
            return Verdict.tempfail(reply, reason);
        }
        return new Verdict.Skip(reason + ": " + failure);
    }
}
