package io.portcullis.spool;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Queue ids: 12 characters of Crockford base32 (no I, L, O, U), sortable by arrival time. 42 bits
 * of milliseconds and an 18-bit counter that starts at a random value, so ids from a restarted
 * process do not collide with the previous one's in practice; the spool creates every file with
 * CREATE_NEW, so a collision is detected rather than overwriting anything.
 */
public final class QueueId {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int LENGTH = 12;
    private static final AtomicInteger COUNTER = new AtomicInteger(ThreadLocalRandom.current().nextInt());

    private QueueId() {
    }

    public static String next() {
        long value = (System.currentTimeMillis() << 18) | (COUNTER.getAndIncrement() & 0x3FFFF);
        char[] out = new char[LENGTH];
        for (int i = LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
        return new String(out);
    }

    /** True for a string this class could have made; guards file names built from ids. */
    public static boolean isValid(String id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (new String(ALPHABET).indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
