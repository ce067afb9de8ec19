package io.portcullis.config;

/**
 * Bounds on the MIME structure of a message that goes through a listener's content chain (under
 * {@code content:}). The chain checks them in one streaming pass before its first step, and every
 * check that parses MIME stays within them, so no message can make the gateway hold a tree of
 * objects in proportion to its parts: what exceeds them is refused for good, as soon as it shows.
 *
 * @param maxParts       MIME entities in the message (the message itself, every body part and every
 *                       encapsulated message): more is {@code 554 5.6.0}
 * @param maxDepth       levels of nesting (a body part or an encapsulated message is one level below
 *                       its parent; the message is level 0): deeper is {@code 554 5.6.0}
 * @param maxDecodedSize octets of all parts together after undoing their transfer encodings (an
 *                       encoded message/rfc822 counts what it holds, decoded): more is {@code 552 5.3.4}
 */
public record MimeLimits(int maxParts, int maxDepth, long maxDecodedSize) {
    public static final int DEFAULT_MAX_PARTS = 1000;
    public static final int DEFAULT_MAX_DEPTH = 20;

    /** The defaults for a listener: {@code max-decoded-size} is twice its {@code max-message-size}. */
    public static MimeLimits defaults(long maxMessageSize) {
        return new MimeLimits(DEFAULT_MAX_PARTS, DEFAULT_MAX_DEPTH, 2 * maxMessageSize);
    }
}
