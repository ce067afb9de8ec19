/**
 * The SMTP wire protocol shared by server and client: commands, replies and enhanced status codes
 * (one catalogue, {@link io.portcullis.smtp.Replies}), mailbox and domain syntax (RFC 5321 §4.1.2,
 * RFC 6531) with the one canonical form of a domain ({@link io.portcullis.smtp.DomainName}, UTS #46
 * through ICU4J), the header section as it streams past and its originator fields (RFC 5322), the
 * strict CRLF reader, dot-stuffing, and the bare-LF normalizer of message content for listeners
 * set to {@code bare-line-ends: normalize}.
 *
 * <p>Place in the flow: the bottom layer. It depends on nothing of ours, starts no threads and holds
 * no policy; callers hand it streams and decide what a violation means.
 */
package io.portcullis.smtp;
