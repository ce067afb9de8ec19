package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store on its own: what a crash or a hand can leave in the log (a torn last line,
 * garbage, overlong lines, expired entries) is skipped at load without losing the good lines around
 * it; the bound holds at load; two opens of one file share one store until the last close.
 */
class GreylistStoreTest {
    private static final long NOW = 1_800_000_000L;

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(NOW));

    private static GreylistStore.Entry entry(int passes) {
        return new GreylistStore.Entry(NOW, NOW, passes, NOW + 3600);
    }

    @Test
    void damagedLinesAreSkippedAndTheRestIsKept() throws Exception {
        Path file = directory.resolve("greylist/test.log");
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n",
                "good1 " + NOW + " " + NOW + " 0 " + (NOW + 60),
                "not an entry at all",
                "x".repeat(5000),
                "bad/key " + NOW + " " + NOW + " 0 " + (NOW + 60),
                "expired " + NOW + " " + NOW + " 1 " + (NOW - 1),
                "good2 " + NOW + " " + NOW + " 1 " + (NOW + 60),
                "torn " + NOW + " " + NOW));
        try (FileGreylistStore store = FileGreylistStore.open(file, 100, clock)) {
            assertThat(store.size()).isEqualTo(2);
            assertThat(store.get("good1", NOW)).isEqualTo(new GreylistStore.Entry(NOW, NOW, 0, NOW + 60));
            assertThat(store.get("good2", NOW).passes()).isEqualTo(1);
            assertThat(store.get("torn", NOW)).isNull();
            assertThat(store.get("good1", NOW + 60)).isNull(); // expired on time
            store.put("after", entry(0));
            // what a crash now would leave: the torn line was compacted away at start, not glued to "after"
            assertThat(Files.readAllLines(file)).hasSize(3).allMatch(line -> line.split(" ").length == 5)
                    .anyMatch(line -> line.startsWith("after "));
        }
        // compacted at start (the torn line gone before "after" was appended), and at close
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2).allMatch(line -> line.startsWith("good2 ") || line.startsWith("after "));
    }

    @Test
    void theBoundHoldsWhenLoading() throws Exception {
        Path file = directory.resolve("bounded.log");
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            log.append("k").append(i).append(' ').append(NOW).append(' ').append(NOW).append(" 0 ").append(NOW + 60).append('\n');
        }
        Files.writeString(file, log);
        try (FileGreylistStore store = FileGreylistStore.open(file, 100, clock)) {
            assertThat(store.size()).isEqualTo(100);
            assertThat(store.get("k999", NOW)).isNotNull(); // the newest kept
            assertThat(store.get("k0", NOW)).isNull();
        }
        assertThat(Files.readAllLines(file)).hasSize(100);
    }

    @Test
    void appendsStayWithinAFewLinesPerEntry() throws Exception {
        Path file = directory.resolve("flood.log");
        try (FileGreylistStore store = FileGreylistStore.open(file, 100, clock)) {
            store.put("passed", entry(1));
            for (int i = 0; i < 20_000; i++) {
                store.put("flood" + i, entry(0));
                assertThat(store.size()).isLessThanOrEqualTo(100);
            }
            assertThat(Files.readAllLines(file).size()).isLessThanOrEqualTo(1024 + 3 * 100);
            assertThat(store.get("passed", NOW)).isNotNull(); // pending entries went first
        }
    }

    @Test
    void twoOpensOfOneFileShareOneStoreUntilTheLastClose() throws Exception {
        Path file = directory.resolve("shared.log");
        FileGreylistStore first = FileGreylistStore.open(file, 100, clock);
        FileGreylistStore second = FileGreylistStore.open(directory.resolve("./shared.log"), 100, clock);
        assertThat(second).isSameAs(first);
        first.put("a", entry(0));
        first.close();
        second.put("b", entry(0)); // still open: the reload's new check goes on with it
        assertThat(second.get("a", NOW)).isNotNull();
        second.close();
        try (FileGreylistStore reopened = FileGreylistStore.open(file, 100, clock)) {
            assertThat(reopened).isNotSameAs(first);
            assertThat(reopened.get("a", NOW)).isNotNull();
            assertThat(reopened.get("b", NOW)).isNotNull();
        }
    }
}
