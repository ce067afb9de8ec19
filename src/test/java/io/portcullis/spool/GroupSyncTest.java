package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupSyncTest {
    /** Runs {@code callers} concurrent sync() calls, all released at once. */
    private static void syncConcurrently(int callers, GroupSync sync) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    sync.sync();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }

    @Test
    void oneForceServesEveryCallerThatArrivedWhileAnotherWasRunning() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        GroupSync sync = new GroupSync("test", () -> {
            forces.incrementAndGet();
            sleep(50);
        });
        syncConcurrently(20, sync);
        // The first caller's force runs alone; everyone arriving meanwhile shares the next one.
        assertThat(forces.get()).isBetween(1, 3);
    }

    @Test
    void withGatheringTheFirstCallerWaitsForTheOthersOnTheirWay() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger(2);
        GroupSync sync = new GroupSync("test", forces::incrementAndGet, 500_000_000L, inFlight::get);
        Thread first = Thread.ofVirtual().start(() -> {
            try {
                sync.sync();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        sleep(100); // the first waits (a second session is in flight) ...
        assertThat(forces.get()).isZero();
        sync.sync(); // ... and the second joins its batch
        first.join(5_000);
        assertThat(forces.get()).isEqualTo(1);

        inFlight.set(1);
        long start = System.nanoTime();
        sync.sync(); // alone: no wait
        assertThat(System.nanoTime() - start).isLessThan(400_000_000L);
        assertThat(forces.get()).isEqualTo(2);
    }

    @Test
    void aFailedForceFailsEveryoneInItsBatchAndTheNextBatchTriesAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        GroupSync sync = new GroupSync("the test log", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IOException("disk on fire");
            }
        });
        assertThatThrownBy(sync::sync).isInstanceOf(IOException.class).hasMessageContaining("the test log")
                .hasMessageContaining("disk on fire");
        sync.sync();
        assertThat(attempts.get()).isEqualTo(2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
