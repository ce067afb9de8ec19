import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * smtp-sink as the next hop of every run, counting: with -c it prints "sess=N quit=N mesg=N"
 * after each message, and the bench reads the last count. One sink for the whole bench, so no
 * relay ever finds the next hop gone between runs.
 */
final class Sink implements AutoCloseable {
    private static final Pattern COUNT = Pattern.compile("mesg=(\\d+)");
    final Process process;
    final Path log = Bench.work.resolve("sink.log");

    Sink() throws Exception {
        process = Bench.start(List.of("smtp-sink", "-c", "-u", "nobody", "127.0.0.1:" + Bench.SINK_PORT, "1024"), log);
        Bench.awaitPort(Bench.SINK_PORT);
    }

    long messages() throws IOException {
        long size = Files.size(log);
        try (var file = new java.io.RandomAccessFile(log.toFile(), "r")) {
            file.seek(Math.max(0, size - 200));
            byte[] tail = new byte[(int) (size - file.getFilePointer())];
            file.readFully(tail);
            Matcher m = COUNT.matcher(new String(tail, StandardCharsets.US_ASCII));
            long count = 0;
            while (m.find()) {
                count = Long.parseLong(m.group(1));
            }
            return count;
        }
    }

    void awaitMessages(long count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages() < count) {
            if (System.nanoTime() > deadline) {
                throw new IOException("smtp-sink saw " + messages() + " messages, not " + count);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
