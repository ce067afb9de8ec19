package io.portcullis.policy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's policy state, owned by the session and handed to every check: the score the
 * checks added up, whether a check allow-listed the client, and what a check keeps for the whole
 * session ({@link #attachment}: a milter connection, a lookup already made). Used by the session's
 * one thread only.
 *
 * <p>What checks at connect and helo find is about the client and lasts the session; what checks
 * at mail, rcpt and data find is about the sender and lasts the transaction: both an allow-listing
 * and score points made there are forgotten when the transaction ends, so one client's senders
 * neither vouch for nor count against each other.
 */
public final class PhaseSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PhaseSession.class);

    /** What a check keeps per session. Told when a transaction ends and when the session closes. */
    public interface Attachment extends AutoCloseable {
        /** The transaction ended (RSET, a new EHLO, the end of DATA, STARTTLS). */
        default void transactionEnded() {
        }

        /**
         * The client sent a command we do not know (the whole line); a refusal's reply replaces
         * our 500 (a milter's answer to SMFIC_UNKNOWN). Null: no opinion.
         */
        default Verdict.Refusal unknownCommand(String line) {
            return null;
        }

        @Override
        void close();
    }

    /** Waits up to a period for the client to send something; true when it did (pregreet). */
    public interface Pregreet {
        boolean clientTalked(Duration wait) throws IOException;
    }

    private final Pregreet pregreet;
    private final Map<Object, Attachment> attachments = new LinkedHashMap<>();
    private final List<String> clientScoreReasons = new ArrayList<>();
    private final List<String> transactionScoreReasons = new ArrayList<>();
    private double clientScore;
    private double transactionScore;
    private long transaction;
    private String allowedBy;
    /** An allow-listing made in the transaction (at mail, rcpt or data: about the sender); cleared when it ends. */
    private String transactionAllowedBy;

    public PhaseSession(Pregreet pregreet) {
        this.pregreet = pregreet;
    }

    /** The client's score plus the current transaction's. */
    public double score() {
        return clientScore + transactionScore;
    }

    /** The checks that scored, as "reason(points)", for logs and replies. */
    public List<String> scoreReasons() {
        List<String> reasons = new ArrayList<>(clientScoreReasons);
        reasons.addAll(transactionScoreReasons);
        return reasons;
    }

    /** Points about the client (connect, helo): kept for the session. */
    public void addScore(double points, String reason) {
        clientScore += points;
        clientScoreReasons.add(reason + "(" + points + ")");
    }

    /** Points about the sender (mail, rcpt, data): kept until the transaction ends. */
    public void addTransactionScore(double points, String reason) {
        transactionScore += points;
        transactionScoreReasons.add(reason + "(" + points + ")");
    }

    /** Has a check allow-listed this client for the session? */
    public boolean isAllowListed() {
        return allowedBy != null || transactionAllowedBy != null;
    }

    /** The reason of the check that allow-listed the client (or the transaction), or null. */
    public String allowedBy() {
        return allowedBy != null ? allowedBy : transactionAllowedBy;
    }

    public void allow(String reason) {
        if (allowedBy == null) {
            allowedBy = reason;
        }
    }

    /**
     * Allow-listed for the current transaction only: an allow-listing at mail, rcpt or data is about
     * the sender, and a client must not keep it for the next sender after RSET.
     */
    public void allowTransaction(String reason) {
        if (transactionAllowedBy == null) {
            transactionAllowedBy = reason;
        }
    }

    /** A MAIL command starts a transaction: no allow-listing or score of an earlier one (even one refused at MAIL) carries over. */
    public void transactionStarting() {
        forgetTransaction();
    }

    /** Counts the transactions begun or ended: what a check remembers for one transaction is keyed by it. */
    public long transaction() {
        return transaction;
    }

    private void forgetTransaction() {
        transaction++;
        transactionAllowedBy = null;
        transactionScore = 0;
        transactionScoreReasons.clear();
    }

    public boolean clientTalked(Duration wait) throws IOException {
        return pregreet.clientTalked(wait);
    }

    /** The attachment of {@code owner} (usually the check itself), made by {@code create} on first use. */
    @SuppressWarnings("unchecked")
    public <T extends Attachment> T attachment(Object owner, Supplier<T> create) {
        return (T) attachments.computeIfAbsent(owner, key -> create.get());
    }

    /** Asks the attachments about an unknown command; the first refusal, or null. */
    public Verdict.Refusal unknownCommand(String line) {
        for (Attachment attachment : List.copyOf(attachments.values())) {
            Verdict.Refusal refusal = attachment.unknownCommand(line);
            if (refusal != null) {
                return refusal;
            }
        }
        return null;
    }

    public void transactionEnded() {
        forgetTransaction();
        attachments.values().forEach(Attachment::transactionEnded);
    }

    @Override
    public void close() {
        for (Attachment attachment : attachments.values()) {
            try {
                attachment.close();
            } catch (RuntimeException e) {
                log.warn("closing a policy check's session state failed: {}", e.toString());
            }
        }
        attachments.clear();
    }
}
