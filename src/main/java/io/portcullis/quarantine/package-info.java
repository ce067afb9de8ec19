/**
 * The quarantine: messages a content check held at receipt, kept apart from the delivery queue
 * until an administrator (or the retention sweeper) decides. {@link io.portcullis.quarantine.Quarantine}
 * is the durable store (one record and one state journal per message, written with the spool's
 * fsync and rename rules), attached to the spool as its {@link io.portcullis.spool.HoldingArea};
 * {@link io.portcullis.quarantine.QuarantineFilter} selects entries for listing and bulk actions;
 * {@link io.portcullis.quarantine.SafePreview} shows headers and text without interpreting
 * anything; every administrative action is written to the {@link io.portcullis.quarantine.AuditLog}.
 * {@link io.portcullis.quarantine.ReleaseLinks} signs single-use, expiring self-service release links
 * and {@link io.portcullis.quarantine.QuarantineDigests} mails them to each recipient in the
 * reserved flow {@code quarantine-digest}, at the times {@link io.portcullis.quarantine.DigestSchedule}
 * gives, listing only what is new since that recipient's last digest.
 * {@link io.portcullis.quarantine.SenderAllowList} keeps each recipient's allowed senders
 * (release-and-allow-sender); a message held for an allow-listed category (spam) is released at
 * once to the recipients that allow its sender, when {@link io.portcullis.quarantine.SenderAuthentication}
 * finds the sender's domain authenticated in our own Authentication-Results.
 *
 * <p>Place in the flow: after the spool. A held message enters from the spool's commit; a released
 * one goes back into the spool as a new queued message. Depends on {@code spool}, {@code config}
 * and {@code observe} (Telemetry) only.
 */
package io.portcullis.quarantine;
