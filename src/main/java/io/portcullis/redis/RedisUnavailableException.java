package io.portcullis.redis;

/** Redis did not answer (down, slow, refused, or paused after a recent failure); already counted and logged. */
final class RedisUnavailableException extends RuntimeException {
    RedisUnavailableException(String message) {
        super(message, null, false, false);
    }
}
