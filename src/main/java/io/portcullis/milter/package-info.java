/**
 * The milter wire protocol (Sendmail's libmilter, version 6), shared by the two ways Portcullis
 * talks to a milter: the content chain's after-DATA step ({@code content.MilterCheck}, one
 * connection per message, modifications applied) and the policy phase check
 * ({@code policy.MilterPhaseCheck}, one connection per SMTP session, callbacks at the matching
 * SMTP stage). Packets, option negotiation with the milter's macro lists (SETSYMLIST), macro
 * encoding and the milter's SMTP replies; no policy of its own.
 *
 * <p>Everything a milter sends is hostile: packets are bounded in size, a reply text becomes an
 * SMTP reply only when it is a valid 4xx/5xx line (no line breaks passed on), and a callback's
 * reads run under a deadline that closes the connection ({@link io.portcullis.milter.MilterConnection#startDeadline}).
 * Depends on {@code smtp} (replies) and {@code config} (the endpoint).
 */
package io.portcullis.milter;
