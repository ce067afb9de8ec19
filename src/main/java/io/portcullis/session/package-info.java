/**
 * One SMTP server session per connection: the {@link io.portcullis.session.SessionState} machine,
 * the single {@link io.portcullis.session.Command} table that says which command is allowed when,
 * and the intake of message data into the spool.
 *
 * <p>Each command is handled as check (state, syntax) → policy → proceed. Place in the flow: the
 * listener starts a session per connection; the session writes accepted messages to {@code spool}.
 * Depends on {@code smtp}, {@code config} and {@code spool}.
 */
package io.portcullis.session;
