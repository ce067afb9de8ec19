package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code portcullis drain --timeout} at the edges of what the option takes: the longest duration it
 * accepts (999999999h, more nanoseconds than a long holds) means "wait as long as it takes", not an
 * arithmetic overflow after the node was already drained; 0s looks once. Both on an empty queue,
 * so they finish at once with exit 0; undrain then accepts mail again.
 */
class DrainTimeoutBoundsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CliAccess.run(java.util.List.of(args), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void theLongestTimeoutWaitsAndZeroLooksOnce() throws Exception {
        try (TestGateway node = TestGateway.startYaml("node-id: edge\n" + TestGateway.defaultYaml(""))) {
            String data = node.dataDirectory().toString();
            assertThat(run("drain", "--data-dir", data, "--timeout", "999999999h")).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("draining node edge").contains("drained: queue empty");
            assertThat(node.gateway().isDraining()).isTrue();
            assertThat(run("drain", "--data-dir", data, "--timeout", "999999999m")).as(out + "\n" + err).isZero();
            assertThat(run("drain", "--data-dir", data, "--timeout", "0s")).as(out + "\n" + err).isZero();
            assertThat(run("undrain", "--data-dir", data)).as(err.toString()).isZero();
            try (SmtpScript smtp = node.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: after the drain\r\n\r\nx\r\n");
            }
            assertThat(node.queued()).hasSize(1);
        }
    }
}
