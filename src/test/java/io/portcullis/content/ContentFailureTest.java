package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a listener does when a scanner dies or hangs: its failure mode, within its time budget. */
class ContentFailureTest {
    private static final String LUNCH = "From: <sender@remote.test>\r\nSubject: lunch\r\nMessage-ID: <l@remote.test>\r\n"
            + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nShall we meet for lunch on Tuesday?\r\n";

    @Test
    void killedSpamdMeans451WhenFailClosedAndAMarkedMessageWhenFailOpen() throws Exception {
        try (ScannerDaemon spamd = ScannerDaemon.spamd();
             TestGateway gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                     - name: spamd
                       type: spamd
                       address: %s
                       timeout: 20s
                     """.formatted(spamd.address()), """
                     content:
                       chain: [spamd]
                       on-failure: fail-closed
                     """, """
                     content:
                       chain:
                         - check: spamd
                           on-failure: fail-open
                     """))) {
            assertThat(new String(gateway.message(send(gateway.inboundPort(), "250 2.0.0")))).startsWith("X-Spam-Status: No");
            assertThat(new String(gateway.message(send(gateway.port("outbound"), "250 2.0.0")))).startsWith("X-Spam-Status: No");

            spamd.kill();

            long start = System.nanoTime();
            send(gateway.inboundPort(), "451 4.7.1 Message content could not be checked");
            String id = send(gateway.port("outbound"), "250 2.0.0");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
            String stored = new String(gateway.message(id));
            assertThat(stored).startsWith(ContentChain.SKIPPED_HEADER + ": spamd (error)\r\n");
            assertThat(stored).doesNotContain("X-Spam-Status");
            assertThat(gateway.metrics()).contains("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"content-check-failure\"}");
        }
    }

    /**
     * A scanner that accepts connections and never answers (a hung daemon): every message is
     * answered within the two-second budget (not before it, not long after), and after five
     * failures in a row the circuit opens, so the next one is answered without waiting for it.
     * The bounds are wide for a loaded two-core machine.
     */
    @Test
    void hungScannerIsCutOffAtItsBudgetThenCircuitBroken() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestGateway gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                     - name: hung
                       type: spamd
                       address: 127.0.0.1:%d
                       timeout: 2s
                     """.formatted(silent.getLocalPort()), """
                     content:
                       chain: [hung]
                     """, ""))) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never read, never answered
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                send(gateway.inboundPort(), "451 4.7.1");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(millis).as("answer %d at the budget", i).isBetween(1_900L, 6_000L);
            }
            long start = System.nanoTime();
            send(gateway.inboundPort(), "451 4.7.1");
            assertThat((System.nanoTime() - start) / 1_000_000).as("answer with the circuit open").isLessThan(1_500);
            assertThat(gateway.metrics())
                    .contains("portcullis_content_checks_total{check=\"hung\",listener=\"inbound\",result=\"circuit-open\"} 1.0");
            assertThat(gateway.queued()).isEmpty();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static String send(int port, String expected) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.transaction("user@example.test", "other@example.test", LUNCH, expected);
        }
    }
}
