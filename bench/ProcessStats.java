import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** /proc readings: CPU ticks and memory of a process, and a sampler of peak memory. */
final class ProcessStats {
    private ProcessStats() {
    }

    /** utime, stime, cutime, cstime in clock ticks, or null when the process is gone. */
    static long[] stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12]), Long.parseLong(fields[13]),
                    Long.parseLong(fields[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** kB of a /proc status or smaps_rollup field, 0 when the process is gone. */
    static long memoryKb(long pid, String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended between listing and reading
        }
        return 0;
    }

    static final class MemorySampler implements Runnable {
        final Relay relay;
        volatile boolean stop;
        long peakRss;
        long peakPss;

        MemorySampler(Relay relay) {
            this.relay = relay;
        }

        @Override
        public void run() {
            while (relay != null) {
                try {
                    long rss = 0;
                    long pss = 0;
                    for (long pid : relay.pids()) {
                        rss += memoryKb(pid, "status", "VmRSS");
                        pss += memoryKb(pid, "smaps_rollup", "Pss");
                    }
                    peakRss = Math.max(peakRss, rss);
                    peakPss = Math.max(peakPss, pss);
                    if (stop) {
                        return;
                    }
                    Thread.sleep(250);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }
    }

    // ---- 10,000 idle connections

    record IdleResult(int connections, long rssBeforeKb, long rssHeldKb, long pssHeldKb, double newClientMillis) {
    }

    static IdleResult idleConnections(Relay portcullis, int count) throws Exception {
        System.out.println("== " + count + " idle connections to Portcullis (greeting read, one EHLO each)");
        long pid = portcullis.process.pid();
        long before = memoryKb(pid, "status", "VmRSS");
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", Bench.PORTCULLIS_PORT), 5000);
                socket.setSoTimeout(30_000);
                held.add(socket);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                expect(in, "220");
                socket.getOutputStream().write("EHLO idle.bench.test\r\n".getBytes(StandardCharsets.US_ASCII));
                expect(in, "250");
            }
            Thread.sleep(2000);
            long rss = memoryKb(pid, "status", "VmRSS");
            long pss = memoryKb(pid, "smaps_rollup", "Pss");
            long start = System.nanoTime();
            try (Socket client = new Socket("127.0.0.1", Bench.PORTCULLIS_PORT)) {
                client.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = client.getOutputStream();
                expect(in, "220");
                for (String[] step : new String[][] {{"EHLO client.bench.test", "250"}, {"MAIL FROM:<a@bench.test>", "250"},
                        {"RCPT TO:<user@example.test>", "250"}, {"DATA", "354"},
                        {"Subject: while 10k wait\r\n\r\nhello\r\n.", "250"}, {"QUIT", "221"}}) {
                    out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    expect(in, step[1]);
                }
            }
            double millis = (System.nanoTime() - start) / 1e6;
            System.out.printf(Locale.ROOT, "   rss %d MB before, %d MB with %d held (pss %d MB); a new client's message took %.1f ms%n",
                    before / 1024, rss / 1024, held.size(), pss / 1024, millis);
            return new IdleResult(held.size(), before, rss, pss, millis);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed while waiting for " + code);
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + line);
        }
    }

}
