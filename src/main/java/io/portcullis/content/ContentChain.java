package io.portcullis.content;

import io.portcullis.config.ContentChainConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.config.MimeLimits;
import io.portcullis.observe.Telemetry;
import io.portcullis.smtp.Replies;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import java.io.IOException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's content chain: its steps run in order over the uncommitted message. Edits are
 * written into the spool file before the next step, so each step sees the message as it will
 * leave. The first reject, tempfail or discard ends the chain; a quarantine is remembered and the
 * remaining steps still run (a virus found later still refuses the message). When several steps
 * hold the message, the reason names them all, first first, joined by {@value #REASON_SEPARATOR}
 * (the first gives the category; the quarantine's sender allow lists skip a hold only when every
 * reason's category is one they may skip, so a later virus hold is never lost behind a spam one).
 *
 * <p>A step that cannot decide (scanner down, timed out, circuit open) takes its failure mode:
 * {@code fail-closed} answers {@code 451 4.7.1}; {@code fail-open} goes on and records the skip in
 * an {@value #SKIPPED_HEADER} header. No step that waits for a daemon runs longer than its
 * budget: it runs on its own virtual thread and is interrupted when the budget is spent. Checks
 * that only compute ({@link ContentCheck#runsInline()}) run on the session's thread and look at
 * their {@link Deadline} in every loop the sender can lengthen; one that overruns it is failed as
 * timed out all the same.
 *
 * <p>Before the first step, and again after a step changed what says how the body is built, the
 * message's MIME structure is streamed once against the listener's {@link MimeLimits}: a message
 * past them is refused for good ({@code 554 5.6.0}, or {@code 552 5.3.4} for its decoded size)
 * before any scanner sees it, and every step sees a structure within them.
 *
 * <p>Header fields a check of the chain {@linkplain ContentCheck#owns owns} (X-Spam-* for a spam
 * check, Authentication-Results under our authserv-id) are never the client's to write: those
 * the client sent are removed as the first step ends, in the same rewrite as that step's edits,
 * whatever it decided. So a spam check that is skipped for size, fails open or has its circuit
 * open leaves no forged verdict behind, while the first step still sees the message as sent (an
 * authentication check placed first verifies DKIM over what was signed). Ordinary mail, with no
 * such field, costs one look at each field name and no rewrite.
 */
public final class ContentChain {
    /** Between the reasons of several steps that held one message. */
    public static final String REASON_SEPARATOR = " | ";
    public static final String SKIPPED_HEADER = "X-Portcullis-Check-Skipped";
    private static final Logger log = LoggerFactory.getLogger(ContentChain.class);
    private static final ExecutorService RUNNER = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("content-check-", 0).factory());

    private final String listener;
    private final List<ContentStep> steps;
    private final MimeLimits mimeLimits;
    private final ContentChecks checks;
    private final List<ContentCheck> stepChecks;
    private final Telemetry telemetry;

    public ContentChain(String listener, ContentChainConfig config, ContentChecks checks, Telemetry telemetry) {
        this.listener = listener;
        this.steps = config.steps();
        this.mimeLimits = config.mimeLimits();
        this.checks = checks;
        this.telemetry = telemetry;
        this.stepChecks = steps.stream().map(step -> checks.entry(step.check()).check()).distinct().toList();
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /**
     * What the chain decided, and the envelope to commit (recipients or sender a milter changed,
     * the size of the rewritten content). The verdict is Accept (with no edits left to apply),
     * Quarantine, Reject, Tempfail or Discard.
     */
    public record Result(ContentVerdict verdict, Envelope envelope) {
    }

    /** Runs every step over {@code message}; edits go into its file. */
    public Result run(IncomingMessage message, Envelope received) throws IOException {
        Envelope envelope = received;
        ContentMessage current = ContentMessage.read(envelope, message.file());
        MimeFinding structure = MimeScanner.scan(current, mimeLimits, Deadline.NONE, MimeScanner.STRUCTURE);
        if (structure != null) {
            return new Result(MimeFinding.refusal(structure), envelope);
        }
        Set<HeaderField> forged = ownedFields(current); // the client's: removed as the first step ends
        String quarantine = null;
        for (int i = 0; i < steps.size(); i++) {
            ContentStep step = steps.get(i);
            ContentVerdict verdict = runStep(step, current);
            MessageEdits edits;
            switch (verdict) {
                case ContentVerdict.Accept accept -> edits = accept.edits();
                case ContentVerdict.Quarantine q -> {
                    quarantine = quarantine == null ? q.reason() : quarantine + REASON_SEPARATOR + q.reason();
                    edits = q.edits();
                }
                case ContentVerdict.Reject r -> {
                    return new Result(r, envelope);
                }
                case ContentVerdict.Tempfail t -> {
                    return new Result(t, envelope);
                }
                case ContentVerdict.Discard d -> {
                    return new Result(d, envelope);
                }
            }
            if (edits.envelope() != null) {
                envelope = EnvelopeRewriter.apply(envelope, edits.envelope());
            }
            boolean restructures = edits.touchesStructure();
            Set<HeaderField> removed = forged;
            forged = Set.of();
            if (!removed.isEmpty() && edits.wholeMessage() != null) {
                // a whole new message copies the client's fields: write it, then remove them from it
                current = rewrite(message, envelope, current, edits, Set.of());
                removed = ownedFields(current);
                edits = MessageEdits.NONE;
            }
            if (edits.changesContent() || !removed.isEmpty()) {
                current = rewrite(message, envelope, current, edits, removed);
            } else if (edits.envelope() != null) {
                current = current.withEnvelope(envelope); // the file is as it was: no need to read it again
            }
            if (restructures && i + 1 < steps.size()) {
                structure = MimeScanner.scan(current, mimeLimits, Deadline.NONE, MimeScanner.STRUCTURE);
                if (structure != null) {
                    return new Result(MimeFinding.refusal(structure), envelope);
                }
            }
        }
        envelope = envelope.withSize(message.size());
        return new Result(quarantine == null ? ContentVerdict.ACCEPT
                : new ContentVerdict.Quarantine(quarantine, MessageEdits.NONE), envelope);
    }

    /** Writes {@code current} with the edits applied and the fields removed; the message as it now is. */
    private static ContentMessage rewrite(IncomingMessage message, Envelope envelope, ContentMessage current,
                                          MessageEdits edits, Set<HeaderField> removed) throws IOException {
        message.replaceContent(out -> MessageRewriter.write(current, edits, removed, out));
        return ContentMessage.read(envelope, message.file());
    }

    /** The fields of {@code message} that a check of this chain owns, by identity. */
    private Set<HeaderField> ownedFields(ContentMessage message) {
        Set<HeaderField> owned = null;
        for (HeaderField field : message.headers()) {
            for (ContentCheck check : stepChecks) {
                if (check.owns(field)) {
                    if (owned == null) {
                        owned = Collections.newSetFromMap(new IdentityHashMap<>());
                    }
                    owned.add(field);
                    break;
                }
            }
        }
        if (owned != null) {
            log.debug("{}: removing {} header field(s) the client wrote under our checks' names", listener, owned.size());
        }
        return owned == null ? Set.of() : owned;
    }

    private ContentVerdict runStep(ContentStep step, ContentMessage message) {
        ContentChecks.Entry entry = checks.entry(step.check());
        if (!entry.breaker().allowsCall()) {
            return failed(step, "circuit open", "circuit-open", 0);
        }
        long start = System.nanoTime();
        if (entry.check().runsInline()) {
            try {
                ContentVerdict verdict = entry.check().check(message, step);
                entry.breaker().succeeded();
                telemetry.contentChecked(listener, step.check(), result(verdict), System.nanoTime() - start);
                return verdict;
            } catch (Deadline.Exceeded e) {
                entry.breaker().failed();
                return failed(step, "timed out after " + step.timeout().toMillis() + " ms", "timeout", System.nanoTime() - start);
            } catch (IOException | RuntimeException e) {
                entry.breaker().failed();
                return failed(step, e.getClass().getSimpleName() + ": " + e.getMessage(), "error", System.nanoTime() - start);
            }
        }
        Future<ContentVerdict> future = RUNNER.submit(() -> entry.check().check(message, step));
        try {
            ContentVerdict verdict = future.get(step.timeout().toMillis(), TimeUnit.MILLISECONDS);
            entry.breaker().succeeded();
            telemetry.contentChecked(listener, step.check(), result(verdict), System.nanoTime() - start);
            return verdict;
        } catch (TimeoutException e) {
            future.cancel(true);
            entry.breaker().failed();
            return failed(step, "timed out after " + step.timeout().toMillis() + " ms", "timeout", System.nanoTime() - start);
        } catch (ExecutionException e) {
            entry.breaker().failed();
            Throwable cause = e.getCause();
            return failed(step, cause.getClass().getSimpleName() + ": " + cause.getMessage(), "error",
                    System.nanoTime() - start);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return new ContentVerdict.Tempfail(Replies.CONTENT_CHECK_UNAVAILABLE, "content-check-failure");
        }
    }

    private ContentVerdict failed(ContentStep step, String why, String result, long nanos) {
        telemetry.contentChecked(listener, step.check(), result, nanos);
        if (step.onFailure() == ContentStep.FailureMode.FAIL_CLOSED) {
            log.warn("{}: content check {} failed ({}): answering 451", listener, step.check(), why);
            return new ContentVerdict.Tempfail(Replies.CONTENT_CHECK_UNAVAILABLE, "content-check-failure");
        }
        log.warn("{}: content check {} failed ({}): accepting unchecked (fail-open)", listener, step.check(), why);
        return skipped(step, result);
    }

    /** Accepted without this check, and the message says so: {@value #SKIPPED_HEADER}: NAME (why). */
    static ContentVerdict skipped(ContentStep step, String why) {
        return new ContentVerdict.Accept(MessageEdits.prepend(HeaderField.of(SKIPPED_HEADER, step.check() + " (" + why + ")")));
    }

    private static String result(ContentVerdict verdict) {
        return switch (verdict) {
            case ContentVerdict.Accept a -> a.edits().isEmpty() ? "accept" : "accept-changed";
            case ContentVerdict.Reject r -> "reject";
            case ContentVerdict.Tempfail t -> "tempfail";
            case ContentVerdict.Quarantine q -> "quarantine";
            case ContentVerdict.Discard d -> "discard";
        };
    }
}
