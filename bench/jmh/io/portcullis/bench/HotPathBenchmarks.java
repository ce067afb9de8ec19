package io.portcullis.bench;

import io.portcullis.smtp.DotDataDecoder;
import io.portcullis.smtp.EsmtpParameters;
import io.portcullis.smtp.MailParameters;
import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SmtpInput;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Spool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The receiving hot paths, one benchmark each: reading and parsing a pipelined MAIL/RCPT/DATA
 * group, decoding a dot-stuffed DATA stream, and writing a message into the spool with the
 * commit that precedes every 250 (fsync included: this one measures the disk too).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBenchmarks {

    @State(Scope.Thread)
    public static class Commands {
        final byte[] group = ("MAIL FROM:<bench.sender@bench.example.test> SIZE=10240 BODY=8BITMIME\r\n"
                + "RCPT TO:<first.recipient@example.test>\r\nRCPT TO:<second.recipient@example.test> NOTIFY=SUCCESS,FAILURE\r\n"
                + "DATA\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public void commandParsing(Commands state, Blackhole hole) throws Exception {
        SmtpInput input = new SmtpInput(new ByteArrayInputStream(state.group), millis -> { });
        for (int i = 0; i < 4; i++) {
            SmtpInput.Line line = input.readLine(1000);
            String text = line.text();
            int space = text.indexOf(' ');
            String argument = text.substring(space + 1);
            if (text.startsWith("MAIL")) {
                PathParser.ParsedPath path = PathParser.parseMailFrom(argument);
                hole.consume(MailParameters.from(EsmtpParameters.parse(path.parameterText())));
            } else if (text.startsWith("RCPT")) {
                hole.consume(PathParser.parseRcptTo(argument));
            } else {
                hole.consume(text);
            }
        }
    }

    @State(Scope.Thread)
    public static class Data {
        @Param({"1024", "102400"})
        int size;
        byte[] stream;

        @Setup
        public void build() {
            StringBuilder text = new StringBuilder("Subject: benchmark\r\n\r\n");
            while (text.length() < size) {
                text.append(text.length() % 7 == 0 ? ".a line that starts with a dot and is stuffed\r\n"
                        : "an ordinary line of message text, about seventy octets long here\r\n");
            }
            String stuffed = text.toString().replace("\r\n.", "\r\n..");
            stream = (stuffed + ".\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    @Benchmark
    public long dataWithDotUnstuffing(Data state) throws IOException {
        SmtpInput input = new SmtpInput(new ByteArrayInputStream(state.stream), millis -> { });
        long[] count = new long[1];
        input.readData(new DotDataDecoder(new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        }));
        return count[0];
    }

    @State(Scope.Benchmark)
    public static class SpoolState {
        @Param({"1024", "102400"})
        int size;
        Path directory;
        Spool spool;
        byte[] content;

        @Setup(Level.Trial)
        public void open() throws IOException {
            directory = Files.createTempDirectory("jmh-spool");
            spool = new Spool(directory, 0);
            content = "x".repeat(size - 2).concat("\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    public String spoolWriteAndCommit(SpoolState state) throws IOException {
        IncomingMessage message = state.spool.create();
        message.content().write(state.content);
        Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, message.id(), "inbound", "inbound", Instant.now(),
                new Envelope.Client("127.0.0.1", 40000, "bench.test", "ESMTP", null, null, null), "a@bench.test", null,
                "7BIT", false, null, null, List.of(new Envelope.Recipient("u@example.test", List.of(), null)),
                message.size(), null, null);
        message.commit(envelope);
        state.spool.remove(message.id());
        return message.id();
    }
}
