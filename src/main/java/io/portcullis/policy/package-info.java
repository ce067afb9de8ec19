/**
 * The checks each phase of a session runs: connection access, sender (anti-spoofing and send-as,
 * on the envelope and on the header From:), recipient (validation and relay control), and the
 * client checks (reverse DNS, HELO name, sender domain) that ask DNS within a time budget. Every check
 * returns a sealed {@link io.portcullis.policy.Verdict}; none touches a socket.
 *
 * <p>Relay decisions use the parsed, lower-cased domain of the address ({@link
 * io.portcullis.smtp.Mailbox#canonicalDomain()}), never the raw text: percent hacks, bang paths,
 * quoted local parts with @ and source routes are all part of the local part or dropped by the
 * parser before a check sees them. Depends on {@code config}, {@code smtp} and {@code dns} (the DNS
 * checks), and {@code observe} (the DNS lists' per-zone counters); greylisting's file store
 * ({@code FileGreylistStore}) writes through {@code spool.PrivateFiles}, and SPF reaches it through
 * {@link io.portcullis.policy.SpfAuthorization}, wired in {@code app}, so that policy never depends
 * on {@code content}.
 *
 * <p>State several nodes may share sits behind interfaces ({@code RateLimitStore},
 * {@code GreylistStore}); the Redis versions live in {@code io.portcullis.redis}, wired in
 * {@code app}. A shared store that cannot answer and is configured to fail closed throws
 * {@code StoreUnavailableException}, which the check turns into a 4.3.0 refusal.
 *
 * <p>The milter check ({@code MilterPhaseCheck}) is the one check that talks to a daemon: the milter
 * named in its configuration, through {@code io.portcullis.milter}, never the client's socket.
 */
package io.portcullis.policy;
