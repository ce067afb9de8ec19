package io.portcullis.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ExternalProgram.run: no deadlock on full pipes, and a deadline that kills the program and its children. */
class ExternalProgramRunTest {
    @Test
    void aProgramThatWritesBeforeReadingAllItsInputDoesNotBlock() throws Exception {
        // 300 KB out before reading 1 MB in: writing all input first, then reading, fills both pipes.
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(60), new byte[1_000_000],
                "sh", "-c", "head -c 300000 /dev/zero; wc -c");
        assertThat(result.exitCode()).isZero();
        assertThat(result.output()).hasSize(300_000 + "1000000\n".length()).endsWith("1000000\n");
    }

    @Test
    void aProgramPastItsDeadlineIsKilledWithItsChildren() throws Exception {
        long start = System.nanoTime();
        AssertionError failure = (AssertionError) org.assertj.core.api.Assertions.catchThrowable(() ->
                ExternalProgram.run(Duration.ofSeconds(2), "sh", "-c", "sleep 120 & echo child $!; wait"));
        assertThat(failure).isNotNull().hasMessageContaining("did not finish within PT2S");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        Matcher child = Pattern.compile("child (\\d+)").matcher(failure.getMessage());
        assertThat(child.find()).as(failure.getMessage()).isTrue();
        var handle = ProcessHandle.of(Long.parseLong(child.group(1)));
        for (int i = 0; i < 100 && handle.map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
        assertThat(handle.map(ProcessHandle::isAlive).orElse(false)).as("the child sleep was killed").isFalse();
    }

    @Test
    void noInputMeansAnEmptyStandardInput() throws Exception {
        assertThat(ExternalProgram.run(Duration.ofSeconds(30), "cat").output()).isEmpty();
    }
}
