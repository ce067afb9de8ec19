package io.portcullis.content;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * The end of a check's time budget, for checks that run on the session's own thread
 * ({@link ContentCheck#runsInline()}): no one can interrupt them, so they look at the clock
 * themselves, inside every loop whose length the sender decides. {@link #check()} throws
 * {@link Exceeded}, which the chain treats as a timed-out step (its failure mode applies).
 */
final class Deadline {
    /** The budget is spent; an IOException so that it leaves a check the way a scanner failure does. */
    static final class Exceeded extends IOException {
        Exceeded(String message) {
            super(message);
        }
    }

    /** No budget: for scans whose cost is bounded by size alone. */
    static final Deadline NONE = new Deadline(Long.MAX_VALUE, Duration.ZERO);

    private final long endNanos;
    private final Duration budget;

    private Deadline(long endNanos, Duration budget) {
        this.endNanos = endNanos;
        this.budget = budget;
    }

    /** From now: call it as the check starts. */
    static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    void check() throws Exceeded {
        if (endNanos != Long.MAX_VALUE && System.nanoTime() - endNanos > 0) {
            throw new Exceeded("budget of " + budget.toMillis() + " ms spent");
        }
    }

    /** The stream, looking at the clock before every read (reads come in buffers, so rarely per octet). */
    InputStream guard(InputStream in) {
        if (this == NONE) {
            return in;
        }
        return new FilterInputStream(in) {
            private int untilCheck;

            @Override
            public int read() throws IOException {
                if (--untilCheck < 0) {
                    check();
                    untilCheck = 4096;
                }
                return super.read();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                check();
                return super.read(buffer, offset, length);
            }
        };
    }
}
