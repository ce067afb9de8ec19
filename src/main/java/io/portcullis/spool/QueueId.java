package io.portcullis.spool;

import io.portcullis.config.ClusterConfig;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Queue ids: 12 characters of Crockford base32 (no I, L, O, U), sortable by arrival time, then
 * {@code -} and the node id ({@code 0J5Z8Q1M2K3P-mx1}). 42 bits of milliseconds and an 18-bit
 * counter that starts at a random value, so ids from a restarted process do not collide with the
 * previous one's in practice; the node id makes ids of different nodes distinct by construction
 * (a tracking store or a moved spool can hold ids of several nodes). The spool creates every file
 * with CREATE_NEW, so a collision is detected rather than overwriting anything.
 *
 * <p>The node part is lower case and the time part upper case, so the two never blur; ids hold no
 * '.', '/' or space (file names {@code ID.msg}, header atoms, URL path segments). Ids without a node
 * (spools written before node ids) stay valid and are read as before.
 */
public final class QueueId {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int LENGTH = 12;
    private static final AtomicInteger COUNTER = new AtomicInteger(ThreadLocalRandom.current().nextInt());

    private QueueId() {
    }

    /** An id without a node part (the form of spools written before node ids). */
    public static String next() {
        return next(null);
    }

    /** A new id ending in {@code -node}; null gives the 12-character form. */
    public static String next(String node) {
        long value = (System.currentTimeMillis() << 18) | (COUNTER.getAndIncrement() & 0x3FFFF);
        char[] out = new char[LENGTH];
        for (int i = LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (value & 31));
            value >>>= 5;
        }
        return node == null ? new String(out) : new String(out) + '-' + node;
    }

    /** True for a string this class could have made; guards file names built from ids. */
    public static boolean isValid(String id) {
        if (id == null || id.length() < LENGTH || id.length() == LENGTH + 1) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (ALPHABET.indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return id.length() == LENGTH
                || id.charAt(LENGTH) == '-' && ClusterConfig.NODE_ID.matcher(id.substring(LENGTH + 1)).matches();
    }

    /** The node that gave a valid id, or null for an id without a node part. */
    public static String node(String id) {
        return id.length() > LENGTH + 1 ? id.substring(LENGTH + 1) : null;
    }
}
