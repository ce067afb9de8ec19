package io.portcullis.app;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code portcullis queue ...} against a running gateway (control socket) and a stopped one (direct). */
class QueueCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int queue(Path dataDirectory, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 3];
        full[0] = "queue";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "--data-dir";
        full[args.length + 2] = dataDirectory.toString();
        return cli.execute(full);
    }

    @Test
    void listHoldReleaseRetryDeleteAndBounceWhileRunningAndAfterwards() throws Exception {
        TestGateway gateway = TestGateway.start("");
        Path data = gateway.dataDirectory();
        String first;
        String second;
        String third;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            first = smtp.sendMessage("a@example.org", "one@example.test", "Subject: 1\r\n\r\nx\r\n");
            second = smtp.sendMessage("a@example.org", "two@example.test", "Subject: 2\r\n\r\nx\r\n");
            third = smtp.sendMessage("a@example.org", "three@example.test", "Subject: 3\r\n\r\nx\r\n");
        }
        try {
            assertThat(queue(data, "list")).isZero();
            assertThat(out.toString()).contains(first, second, third, "-> <one@example.test>", "inbound", "<a@example.org>",
                    "-- 3 messages");

            assertThat(queue(data, "hold", first)).isZero();
            assertThat(queue(data, "list")).isZero();
            assertThat(out.toString()).containsPattern(first + ".*held");
            assertThat(queue(data, "retry", first)).isEqualTo(1);
            assertThat(err.toString()).contains("held: release it first");
            assertThat(queue(data, "release", first)).isZero();
            assertThat(queue(data, "retry", first)).isZero();
            Path dropped = data.resolve("drop/inbound/" + first + ".eml");
            Eventually.await(Duration.ofSeconds(10), dropped + " exists", () -> Files.exists(dropped));

            assertThat(queue(data, "delete", second)).isZero();
            assertThat(out.toString()).contains(second + ": deleted");
            assertThat(queue(data, "bounce", third)).isZero();
            assertThat(queue(data, "list", "--json")).isZero();
            assertThat(out.toString()).doesNotContain(second, third).contains("\"flow\" : \"local\"", "\"sender\" : \"\"",
                    "a@example.org");

            assertThat(queue(data, "show", "NOSUCHID0000")).isZero();
            assertThat(out.toString()).contains("no such message");
        } finally {
            gateway.close();
        }
    }

    @Test
    void worksDirectlyOnTheSpoolWhenNoGatewayRuns() throws Exception {
        Path data;
        String id;
        try (TestGateway gateway = TestGateway.start("")) {
            data = Files.createTempDirectory("queue-offline");
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                id = smtp.sendMessage("a@example.org", "one@example.test", "Subject: 1\r\n\r\nx\r\n");
            }
            copy(gateway.dataDirectory().resolve("spool"), data.resolve("spool"));
        }
        assertThat(queue(data, "hold", id)).isZero();
        assertThat(queue(data, "list")).isZero();
        assertThat(out.toString()).containsPattern(id + ".*held").contains("-> <one@example.test>");
        assertThat(queue(data, "show", id)).isZero();
        assertThat(out.toString()).contains("\"HELD\"", "\"queueId\" : \"" + id + "\"");
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Files.copy(source, to.resolve(from.relativize(source).toString()));
            }
        }
    }
}
