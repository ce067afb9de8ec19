package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The queue by query as well as by id ({@code --from}, {@code --state}, ids on standard input),
 * {@code queue cat}, {@code queue flush}, {@code status}, and {@code --help} on every command.
 */
class QueueBulkCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private int queue(Path data, String... args) {
        List<String> full = new ArrayList<>(List.of("queue"));
        full.addAll(List.of(args));
        full.addAll(List.of("--data-dir", data.toString()));
        return run(full.toArray(String[]::new));
    }

    @Test
    void bulkActionsByQueryAndByIdsFromStandardInputReportCounts() throws Exception {
        try (TestGateway gateway = TestGateway.start("")) {
            Path data = gateway.dataDirectory();
            List<String> ids = new ArrayList<>();
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                ids.add(smtp.sendMessage("a@example.org", "one@example.test", "Subject: 1\r\n\r\nbody one\r\n"));
                ids.add(smtp.sendMessage("b@example.org", "two@example.test", "Subject: 2\r\n\r\nbody two\r\n"));
                ids.add(smtp.sendMessage("c@elsewhere.org", "three@example.test", "Subject: 3\r\n\r\nbody three\r\n"));
            }

            assertThat(queue(data, "hold")).as(err.toString()).isEqualTo(2);
            assertThat(err.toString()).contains("give queue ids");

            assertThat(queue(data, "hold", "--from", "@example.org")).as(err.toString()).isZero();
            assertThat(out.toString()).contains(ids.get(0) + ": held", ids.get(1) + ": held", "-- 2 messages held, 0 skipped")
                    .doesNotContain(ids.get(2));
            assertThat(queue(data, "release", "--all")).isZero();
            assertThat(out.toString()).contains("-- 2 messages released, 1 skipped", ids.get(2) + ": not held");
            assertThat(queue(data, "hold", "--to", "three@example.test", "--older-than", "0s", "--flow", "inbound")).isZero();
            assertThat(out.toString()).contains(ids.get(2) + ": held", "-- 1 message held, 0 skipped");
            assertThat(queue(data, "list", "--json")).isZero();
            assertThat(out.toString()).contains("\"held\" : true");
            assertThat(queue(data, "hold", "--older-than", "soon")).isEqualTo(2);
            assertThat(err.toString()).contains("--older-than: expected an age");

            // ids on standard input, postsuper -d - style: the first word of each line
            InputStream stdin = System.in;
            System.setIn(new ByteArrayInputStream((ids.get(0) + "\n\n" + ids.get(1) + " whatever follows\nNOSUCHID0000\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            try {
                assertThat(queue(data, "delete", "-")).as(err.toString()).isZero();
            } finally {
                System.setIn(stdin);
            }
            assertThat(out.toString()).contains(ids.get(0) + ": deleted", ids.get(1) + ": deleted",
                    "NOSUCHID0000: no such message in the queue", "-- 2 messages deleted, 1 skipped");
            assertThat(gateway.queued()).containsExactly(ids.get(2));

            // queue cat: raw (our Received first), header section, body
            assertThat(cat(data, ids.get(2))).startsWith("Received: ").contains("Subject: 3\r\n\r\nbody three\r\n");
            assertThat(cat(data, ids.get(2), "--headers")).startsWith("Received: ").endsWith("Subject: 3\r\n")
                    .doesNotContain("body three");
            assertThat(cat(data, ids.get(2), "--body")).isEqualTo("body three\r\n");
            assertThat(queue(data, "cat", "NOSUCHID0000")).isEqualTo(1);
            assertThat(err.toString()).contains("no such message");

            // status
            assertThat(run("status", "--data-dir", data.toString())).isZero();
            assertThat(out.toString()).contains(Main.VERSION, "ready").containsPattern("listener  inbound .* up ")
                    .contains("queue     inbound: 1 (1 held)");

            // flush: held messages stay; released ones are due now
            assertThat(queue(data, "flush", "example.test")).isZero();
            assertThat(out.toString()).contains("-- 0 messages flushed");
            assertThat(queue(data, "release", ids.get(2))).isZero();
            assertThat(queue(data, "flush", "elsewhere.test")).isZero();
            assertThat(out.toString()).contains("-- 0 messages flushed");
            assertThat(queue(data, "flush", "example.test")).isZero();
            assertThat(out.toString()).contains(ids.get(2) + ": scheduled for immediate delivery", "-- 1 message flushed");
        }
    }

    private String cat(Path data, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        QueueCat.output = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try {
            List<String> full = new ArrayList<>(List.of("cat"));
            full.addAll(List.of(args));
            assertThat(queue(data, full.toArray(String[]::new))).as(err.toString()).isZero();
        } finally {
            QueueCat.output = null;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandHasHelpAndADescription() {
        List<String> checked = new ArrayList<>();
        helpOf(Main.commandLine(), new ArrayList<>(), checked);
        assertThat(checked).contains("queue hold", "queue cat", "queue flush", "status", "user add", "track", "report");
    }

    private void helpOf(CommandLine command, List<String> path, List<String> checked) {
        if (!path.isEmpty() && !path.getLast().equals("help")) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            assertThat(run(args.toArray(String[]::new))).as(String.join(" ", args) + ": " + err).isZero();
            assertThat(out.toString()).as(String.join(" ", args)).startsWith("Usage: portcullis " + String.join(" ", path));
            assertThat(command.getCommandSpec().usageMessage().description()).as(String.join(" ", path) + " description")
                    .isNotEmpty();
            checked.add(String.join(" ", path));
        }
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            helpOf(sub, deeper, checked);
        });
    }
}
