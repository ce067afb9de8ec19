package io.portcullis.policy;

import static io.portcullis.policy.GreylistingTest.GREYLISTED;
import static io.portcullis.policy.GreylistingTest.attempt;
import static io.portcullis.policy.GreylistingTest.deliver;
import static io.portcullis.policy.GreylistingTest.metric;
import static io.portcullis.policy.GreylistingTest.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A sender rotating addresses makes a new triplet with every attempt. The greylisting state stays
 * within {@code max-entries} in memory (the gauge) and within a few lines per entry on disk (the
 * log is compacted as it grows), and the gateway keeps serving: a real MTA's retry still passes
 * during and after the flood, and what it passed is not pushed out by the triplets never retried.
 */
class GreylistFloodTest {
    private static final int MAX_ENTRIES = 100;
    private static final int SESSIONS = 30;
    private static final int RECIPIENTS_PER_SESSION = 50;

    @Test
    void aFloodOfDistinctTripletsStaysWithinMaxEntries() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestGateway gateway = TestGateway.startYaml(yaml("max-entries: " + MAX_ENTRIES), clock)) {
            Path log = gateway.dataDirectory().resolve("greylist/greylist.log");
            long maxLines = 0;
            for (int session = 0; session < SESSIONS; session++) {
                try (SmtpScript smtp = SmtpScript.connectFrom("127.0.3." + (1 + session % 200), gateway.inboundPort())) {
                    smtp.expect("220").send("EHLO spam.test").expect("250 ");
                    smtp.send("MAIL FROM:<rotating-" + session + "@spam.test>").expect("250 2.1.0");
                    for (int i = 0; i < RECIPIENTS_PER_SESSION; i++) {
                        smtp.send("RCPT TO:<victim-" + i + "@example.test>").expect(GREYLISTED);
                    }
                }
                maxLines = Math.max(maxLines, lines(log));
                if (session == SESSIONS / 2) {
                    // mid-flood, a real MTA that greylisted earlier still gets through after its delay
                    assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
                    clock.advance(Duration.ofMinutes(5));
                    deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
                }
            }
            int triplets = SESSIONS * RECIPIENTS_PER_SESSION;
            assertThat(metric(gateway.metrics(), "portcullis_greylist_entries", "check=\"greylist\"")).isEqualTo(MAX_ENTRIES);
            assertThat(metric(gateway.metrics(), "portcullis_policy_verdicts_total", "check=\"greylist\"",
                    "result=\"tempfail\"")).isEqualTo(triplets + 1);
            // appended lines never exceed the compaction threshold (1024 + 2 per entry) by more than one
            assertThat(maxLines).isLessThanOrEqualTo(1024 + 3 * MAX_ENTRIES + 1).isLessThan(triplets);
            try (Stream<Path> files = Files.list(log.getParent())) {
                assertThat(files).containsExactly(log); // no temporary files left behind
            }
            assertThat(gateway.queued()).hasSize(1);
            // the triplet passed mid-flood was not pushed out by the triplets that were never retried
            deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");

            // after the flood: a fresh client completes a transaction, and the restarted gateway
            // holds at most max-entries
            assertThat(attempt(gateway, "127.0.0.9", "carol@sender.test", "bob@example.test")).startsWith(GREYLISTED);
            clock.advance(Duration.ofMinutes(5));
            deliver(gateway, "127.0.0.9", "carol@sender.test", "bob@example.test");
            gateway.restart();
            assertThat(lines(log)).isLessThanOrEqualTo(MAX_ENTRIES);
            assertThat(metric(gateway.metrics(), "portcullis_greylist_entries", "check=\"greylist\"")).isEqualTo(MAX_ENTRIES);
            deliver(gateway, "127.0.0.9", "carol@sender.test", "bob@example.test");
            deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
            assertThat(gateway.queued()).hasSize(5);
        }
    }

    private static long lines(Path log) throws Exception {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.count();
        }
    }
}
