package io.portcullis.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Postfix's smtp-sink as a next hop: a real SMTP server no one here wrote, which can also fail
 * on demand (soft and hard errors, 421, disconnects). Every transaction it accepts is dumped to
 * a file of its own, so a test can count deliveries. {@link #close()} kills it.
 */
public final class SmtpSink implements AutoCloseable {
    private final Process process;
    private final Path dumps;
    private final int port;
    private final String address;

    private SmtpSink(String address, int port, Path dumps, List<String> options) throws IOException, InterruptedException {
        this.address = address;
        this.port = port;
        this.dumps = dumps;
        List<String> command = new ArrayList<>(List.of(ExternalProgram.require("smtp-sink", "postfix")));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root
        }
        command.addAll(List.of("-d", dumps + "/%M."));
        command.addAll(options);
        command.addAll(List.of(address + ":" + port, "256"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dumps.resolveSibling(dumps.getFileName() + ".log").toFile()).start();
        awaitListening();
    }

    /**
     * Starts smtp-sink on {@code port} (0: a free one) with extra options such as {@code -r RCPT}.
     * smtp-sink cannot report a port the system chose, so with 0 a free port is picked and, when
     * another process took it between our check and smtp-sink's bind, picked again (a few times).
     */
    public static SmtpSink start(int port, String... options) throws IOException, InterruptedException {
        return startOn("127.0.0.1", port, options);
    }

    /** As {@link #start}, on another loopback address (several sinks can share a port, as MX hosts do). */
    public static SmtpSink startOn(String address, int port, String... options) throws IOException, InterruptedException {
        IOException taken = null;
        for (int attempt = 0; attempt < (port == 0 ? 5 : 1); attempt++) {
            Path dumps = Files.createTempDirectory("smtp-sink");
            Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
            try {
                return new SmtpSink(address, port == 0 ? freePort() : port, dumps, List.of(options));
            } catch (PortTaken e) {
                taken = e;
            }
        }
        throw taken;
    }

    /** What smtp-sink wrote to its standard error; with {@code -v} a "connect" line for each connection. */
    public String log() throws IOException {
        return Files.readString(dumps.resolveSibling(dumps.getFileName() + ".log"), StandardCharsets.ISO_8859_1);
    }

    /** smtp-sink could not bind its port, or someone else answers on it. */
    private static final class PortTaken extends IOException {
        PortTaken(String message) {
            super(message);
        }
    }

    /**
     * A port that was free a moment ago: racy when handed to a peer that binds it later, so use it
     * only for an address where nothing should listen, or with a peer that retries as
     * {@link #start} does.
     */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A port free for UDP and TCP alike (DNS servers bind both). */
    public static int freeUdpPort() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (java.net.DatagramSocket udp = new java.net.DatagramSocket(0)) {
                int port = udp.getLocalPort();
                try (ServerSocket tcp = new ServerSocket(port)) {
                    return port;
                } catch (IOException taken) {
                    if (attempt == 20) {
                        throw taken;
                    }
                }
            }
        }
    }

    /**
     * Until smtp-sink listens on its port. Whoever answers must be smtp-sink itself (it holds the
     * listening socket, per /proc): when another process took the port first, smtp-sink fails to
     * bind and that is {@link PortTaken}, so {@link #start} tries another port.
     */
    private void awaitListening() throws InterruptedException, IOException {
        Path log = dumps.resolveSibling(dumps.getFileName() + ".log");
        for (int i = 0; i < 200; i++) {
            if (!process.isAlive()) {
                String output = Files.readString(log);
                if (output.contains("in use")) {
                    throw new PortTaken("port " + port + " was taken: " + output);
                }
                throw new IOException("smtp-sink exited: " + output);
            }
            Long listening = listeningSocket(address, port);
            if (listening != null) {
                if (holds(process.toHandle(), listening)) {
                    return;
                }
                if (i > 20) {   // someone else listens there, and smtp-sink has had time to fail
                    close();
                    throw new PortTaken("another process listens on port " + port);
                }
            }
            Thread.sleep(50);
        }
        close();
        throw new IOException("smtp-sink did not start listening on " + port);
    }

    /** The inode of the socket listening on address:port (or any address), from /proc/net/tcp. */
    private static Long listeningSocket(String address, int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        byte[] octets = java.net.InetAddress.getByName(address).getAddress();
        String hexAddress = String.format("%02X%02X%02X%02X", octets[3], octets[2], octets[1], octets[0]);
        for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 9 && fields[1].endsWith(hexPort) && fields[3].equals("0A")
                    && (fields[1].startsWith(hexAddress) || fields[1].startsWith("00000000"))) {
                return Long.parseLong(fields[9]);
            }
        }
        return null;
    }

    /** Does the process (or a child of it) hold socket {@code inode} open? */
    private static boolean holds(ProcessHandle process, long inode) {
        String target = "socket:[" + inode + "]";
        return Stream.concat(Stream.of(process), process.descendants()).anyMatch(handle -> {
            try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(handle.pid()), "fd"))) {
                return fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).toString().equals(target);
                    } catch (IOException e) {
                        return false;
                    }
                });
            } catch (IOException e) {
                return false;
            }
        });
    }

    public int port() {
        return port;
    }

    /** The dumped transactions so far, each as text. */
    public List<String> transactions() throws IOException {
        List<String> transactions = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dumps)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                transactions.add(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        }
        return transactions;
    }

    /** Waits until at least {@code count} transactions are dumped; returns them. */
    public List<String> awaitTransactions(int count, long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        List<String> seen = transactions();
        while ((seen.size() < count || seen.stream().anyMatch(String::isEmpty)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            seen = transactions();
        }
        Thread.sleep(200); // smtp-sink may still be writing the last dump
        return transactions();
    }

    /**
     * Waits until smtp-sink, started with {@code -v}, has logged a client command starting with
     * {@code command} (e.g. "DATA"); false when it has not within the timeout.
     */
    public boolean awaitCommand(String command, long timeoutSeconds) throws IOException, InterruptedException {
        Path log = dumps.resolveSibling(dumps.getFileName() + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        do {
            if (Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream().anyMatch(l -> l.contains("smtp-sink: " + command))) {
                return true;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
