package io.portcullis.config;

/** @param minFreeSpace below this many free octets on the spool's disk, MAIL gets 452 4.3.1 */
public record SpoolConfig(long minFreeSpace) {
    public static final long DEFAULT_MIN_FREE_SPACE = 100L * 1024 * 1024;
}
