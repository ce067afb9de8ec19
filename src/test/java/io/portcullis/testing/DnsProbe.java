package io.portcullis.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;

/** Waits for a DNS server started by a test to answer on its loopback port. */
final class DnsProbe {
    /** A query for the SOA of the root, recursion desired: any answer at all means the server is up. */
    private static final byte[] QUERY = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1};

    private DnsProbe() {
    }

    /** Returns once the server answers; fails with its log when it exits or stays silent for 5 s. */
    static void await(String name, Process process, int port, Callable<String> log) throws IOException, InterruptedException {
        try {
            Eventually.await(java.time.Duration.ofSeconds(5), name + " answers on port " + port, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited: " + read(log));
                }
                try (DatagramSocket socket = new DatagramSocket()) {
                    socket.setSoTimeout(100);
                    socket.send(new DatagramPacket(QUERY, QUERY.length, new InetSocketAddress("127.0.0.1", port)));
                    socket.receive(new DatagramPacket(new byte[512], 512));
                    return true;
                }
            });
        } catch (AssertionError e) {
            throw new IOException(e.getMessage() + ": " + read(log), e);
        } catch (InterruptedException | IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static String read(Callable<String> log) {
        try {
            return log.call();
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
