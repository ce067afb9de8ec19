package io.portcullis.session;

import io.portcullis.config.ListenerPhases;
import io.portcullis.config.Phase;
import io.portcullis.policy.PhaseChecks;
import io.portcullis.policy.PhaseInput;
import io.portcullis.policy.PhaseSession;
import io.portcullis.policy.Verdict;
import io.portcullis.smtp.HeaderScanner;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Replies;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a listener's checks of one phase for its session, in order, and acts on their verdicts: a
 * refusal replies (at connect: and closes), counts and logs; a score adds up and may reach the
 * listener's {@code reject-score}; an allow-listing makes later filters skip. Every verdict is
 * counted per listener, phase, check and result.
 */
final class PolicyPhases {
    private static final Logger log = LoggerFactory.getLogger(PolicyPhases.class);

    private final SmtpSession session;
    final PhaseSession state;
    /** Policy refusals at mail and rcpt so far in the session (tarpitting). */
    private int refusals;

    PolicyPhases(SmtpSession session, PhaseSession.Pregreet pregreet) {
        this.session = session;
        this.state = new PhaseSession(pregreet);
    }

    boolean connect() throws IOException {
        return run(input(Phase.CONNECT, null, null, false, null, null));
    }

    boolean helo() throws IOException {
        return run(input(Phase.HELO, null, null, false, null, null));
    }

    boolean mail(Mailbox sender) throws IOException {
        state.transactionStarting();
        return run(input(Phase.MAIL, sender, null, false, null, null));
    }

    boolean rcpt(Mailbox recipient, boolean sourceRouted) throws IOException {
        return run(input(Phase.RCPT, null, recipient, sourceRouted, null, null));
    }

    /**
     * At the end of DATA: the refusal, counted and logged but not sent (the message's reply is the
     * caller's), or null when every check let the message go on.
     */
    Refused data(HeaderScanner.Originators originators, java.nio.file.Path message) {
        PhaseInput input = input(Phase.DATA, null, null, false, originators, message);
        Refused refused = runChecks(input);
        if (refused != null) {
            logRefusal(input, refused);
        }
        return refused;
    }

    /** A refusal and the name of the check that made it. */
    record Refused(Verdict.Refusal verdict, String check) {
    }

    /** Runs the phase; on a refusal replies (through the session) and returns true. */
    private boolean run(PhaseInput input) throws IOException {
        Refused refused = runChecks(input);
        if (refused == null) {
            return false;
        }
        logRefusal(input, refused);
        tarpit(input, refused.verdict());
        session.policyRefused(input.phase(), refused.check(), refused.verdict(), input.sender(), input.recipient());
        return true;
    }

    /**
     * The listener's {@code tarpit}: before a refusal at mail or rcpt, the session waits longer with
     * each refusal (a dictionary attack slows down; its connection slot stays taken). Trusted clients
     * and refusals that close the session are not delayed.
     */
    private void tarpit(PhaseInput input, Verdict.Refusal refusal) throws IOException {
        ListenerPhases.Tarpit tarpit = session.context.listener().phases().tarpit();
        if (tarpit == null || input.trusted() || refusal instanceof Verdict.Disconnect
                || (input.phase() != Phase.MAIL && input.phase() != Phase.RCPT)) {
            return;
        }
        session.pause(tarpit.before(++refusals));
    }

    /** Runs the phase's checks until one refuses (or the score reaches the threshold). */
    private Refused runChecks(PhaseInput input) {
        Phase phase = input.phase();
        String listener = session.context.listener().name();
        String flow = session.context.listener().flow();
        for (PhaseChecks.Named named : session.context.phases().get(phase)) {
            if (named.check().isFilter() && (input.trusted() || state.isAllowListed())) {
                session.context.telemetry().policyVerdict(listener, flow, phase.label(), named.name(), "filter-skipped");
                continue;
            }
            Verdict verdict = named.check().check(input);
            session.context.telemetry().policyVerdict(listener, flow, phase.label(), named.name(), result(verdict));
            switch (verdict) {
                case Verdict.Accept accept -> {
                }
                case Verdict.Allow allow -> allow(phase, named.name() + ":" + allow.reason());
                case Verdict.Score score -> score(phase, score.points(), named.name() + ":" + score.reason());
                case Verdict.Warn warn -> log.info("{}: {} check {} would refuse {} ({}); log only", listener, phase.label(),
                        named.name(), session.client.address(), warn.reason());
                case Verdict.Skip skip -> log.info("{}: {} check {} skipped for {}: {}", listener, phase.label(),
                        named.name(), session.client.address(), skip.reason());
                case Verdict.Refusal refusal -> {
                    return new Refused(refusal, named.name());
                }
            }
        }
        ListenerPhases phases = session.context.listener().phases();
        if (phases.rejectScore() != null && state.score() >= phases.rejectScore() && !state.isAllowListed()
                && !input.trusted()) {
            Verdict.Refusal refusal = phase == Phase.CONNECT
                    ? new Verdict.Disconnect(Replies.POLICY_SCORE_REJECTED, "score")
                    : new Verdict.Reject(Replies.POLICY_SCORE_REJECTED, "score");
            session.context.telemetry().policyVerdict(listener, flow, phase.label(), "reject-score", result(refusal));
            return new Refused(refusal, "reject-score");
        }
        return null;
    }

    /** At connect and helo for the session (about the client); later for the transaction (about its sender). */
    private void score(Phase phase, double points, String reason) {
        if (phase == Phase.CONNECT || phase == Phase.HELO) {
            state.addScore(points, reason);
        } else {
            state.addTransactionScore(points, reason);
        }
    }

    private void allow(Phase phase, String reason) {
        if (phase == Phase.CONNECT || phase == Phase.HELO) {
            state.allow(reason);
        } else {
            state.allowTransaction(reason);
        }
    }

    private void logRefusal(PhaseInput input, Refused refused) {
        String what = switch (input.phase()) {
            case CONNECT -> "connection";
            case HELO -> "HELO " + input.helo();
            case MAIL -> "sender <" + (input.sender() == null ? "" : input.sender()) + ">";
            case RCPT -> "recipient <" + input.recipient() + ">";
            case DATA -> "message";
        };
        log.info("{}: {} check {} refused {} from {} ({}): {}{}", session.context.listener().name(), input.phase().label(),
                refused.check(), what, session.client.address(), refused.verdict().reason(), refused.verdict().reply(),
                state.scoreReasons().isEmpty() ? "" : " score " + state.score() + " " + state.scoreReasons());
    }

    private PhaseInput input(Phase phase, Mailbox sender, Mailbox recipient, boolean sourceRouted,
                             HeaderScanner.Originators originators, java.nio.file.Path message) {
        MailTransaction transaction = session.transaction;
        Mailbox envelopeSender = phase == Phase.MAIL ? sender : transaction == null ? null : transaction.sender;
        List<Mailbox> recipients = transaction == null ? List.of()
                : transaction.recipients.stream().map(MailTransaction.AcceptedRecipient::mailbox).toList();
        String queueId = phase == Phase.DATA && transaction != null && transaction.message != null
                ? transaction.message.id() : null;
        return new PhaseInput(phase, session.context.listener().name(),
                session.client.facts(session.context.listener().hostname(), queueId), session.isTrusted(),
                session.client.helo, session.client.isTls(), envelopeSender, recipient, sourceRouted, recipients,
                originators, message, state);
    }

    static String result(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Accept a -> "accept";
            case Verdict.Allow a -> "allow";
            case Verdict.Score s -> "score";
            case Verdict.Warn w -> "warn";
            case Verdict.Skip s -> "skip";
            case Verdict.Reject r -> "reject";
            case Verdict.Tempfail t -> "tempfail";
            case Verdict.Disconnect d -> "disconnect";
        };
    }
}
