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
    /** Runs {@code callers} concurrent sync() calls, all released at once; fails if any failed or did not finish. */
    private static void syncConcurrently(int callers, GroupSync sync) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        Workers workers = new Workers();
        for (int i = 0; i < callers; i++) {
            workers.start(() -> {
                start.await();
                sync.sync();
            });
        }
        start.countDown();
        workers.joinAll();
    }

    /** Worker threads whose failures reach the test: joinAll() rethrows the first and fails on any still running. */
    private static final class Workers {
        private final List<Thread> threads = new ArrayList<>();
        private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

        void start(Work work) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    work.run();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }

        void joinAll() throws Exception {
            for (Thread thread : threads) {
                assertThat(thread.join(java.time.Duration.ofSeconds(30))).as("a worker finished within 30 s").isTrue();
            }
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError(failures.size() + " of " + threads.size() + " workers failed",
                        failures.getFirst());
                failures.stream().skip(1).forEach(error::addSuppressed);
                throw error;
            }
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    @Test
    void aWorkerThatFailsOrHangsFailsTheTest() {
        GroupSync failing = new GroupSync("test", () -> {
            throw new IOException("disk on fire");
        });
        assertThatThrownBy(() -> syncConcurrently(3, failing)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("3 of 3 workers failed").cause().hasMessageContaining("disk on fire");
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
        Workers first = new Workers();
        first.start(sync::sync);
        sleep(100); // the first waits (a second session is in flight) ...
        assertThat(forces.get()).isZero();
        sync.sync(); // ... and the second joins its batch
        first.joinAll();
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
