package io.portcullis.policy;

import io.portcullis.config.CheckAction;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;

/**
 * The verdict a client check's {@link CheckAction} asks for. A scoring check adds its weight once
 * per session, however often it runs (at every RCPT, at a second EHLO): the score says how the
 * client looks, not how many commands it sent.
 */
final class ClientCheckVerdicts {
    private ClientCheckVerdicts() {
    }

    /** Remembers, per check, that it already scored in this session. */
    private static final class Scored implements PhaseSession.Attachment {
        private boolean scored;

        @Override
        public void close() {
        }
    }

    private record ScoreKey(Object check) {
    }

    /** The check found what it looks for: refuse with {@code reply} (permanent form), score, or log. */
    static Verdict found(CheckAction action, Reply reply, String reason, PhaseInput input, Object check) {
        return switch (action.kind()) {
            case REJECT -> Verdict.reject(reply, reason);
            case TEMPFAIL -> Verdict.tempfail(Replies.temporary(reply), reason);
            case SCORE -> {
                Scored scored = input.session().attachment(new ScoreKey(check), Scored::new);
                if (scored.scored) {
                    yield Verdict.ACCEPT;
                }
                scored.scored = true;
                yield new Verdict.Score(action.weight(), reason);
            }
            case LOG -> new Verdict.Warn(reason);
        };
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
