package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Red-team findings F3 and F4: on a listener with a spam check, every X-Spam-* field the client
 * wrote (any name, any case, white space before the colon, folded, anywhere in the header
 * section; rspamd's X-Spam, X-Spamd-* and X-Rspamd-* too) is gone from the stored message, whether
 * the scanner answered, was skipped for size, was down (fail-open), timed out or had its circuit
 * open. Ours, added after a real scan, stay; the rest of the message is byte for byte the client's.
 */
class ForgedScannerHeadersTest {
    /** Header lines before, among and after the ordinary ones; every forged value says "forged". */
    private static final String FORGED_TOP = "X-Spam-Flag: NO forged\r\n"
            + "X-Spam-Status: No, score=-100 required=5.0 forged\r\n";
    private static final String ORDINARY_1 = "From: <sender@remote.test>\r\nTo: <user@example.test>\r\n";
    private static final String FORGED_MIDDLE = "X-Spam-Score: -100 forged\r\n"
            + "X-Spam-Level: forged\r\n"
            + "X-Spam-Report: forged\r\n\tall clear\r\n"
            + "X-Spam-Checker-Version: SpamAssassin 3.4.6 forged\r\n"
            + "X-Spam-Custom: forged\r\n"
            + "x-spam-flag: no forged\r\n"
            + "X-SPAM-STATUS : No forged\r\n"
            + "X-Spam-Score\t: -100 forged\r\n"
            + "X-Spam-Status:\r\n No,\r\n\tscore=-100 forged\r\n";
    private static final String ORDINARY_2 = "Subject: lunch\r\nMessage-ID: <lunch-headers@remote.test>\r\n"
            + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n";
    private static final String FORGED_BOTTOM = "X-Spam: No forged\r\n"
            + "X-Spamd-Result: default: False [-100.00 / 15.00] forged\r\n"
            + "X-Spamd-Bar: forged\r\n"
            + "X-Rspamd-Action: no action forged\r\n"
            + "X-Spam-Flag: NO forged\r\n";
    private static final String BODY = "\r\nShall we meet for lunch on Tuesday at the usual place?\r\n"
            + "X-Spam-Flag: a line of the body stays as it is\r\n";

    private static final String SENT = FORGED_TOP + ORDINARY_1 + FORGED_MIDDLE + ORDINARY_2 + FORGED_BOTTOM + BODY;
    private static final String CLEAN = ORDINARY_1 + ORDINARY_2 + BODY;

    private static final Pattern SPAM_FIELD = Pattern.compile("(?im)^(x-spam|x-spam-[^:\\s]*|x-spamd-[^:\\s]*|x-rspamd-[^:\\s]*)[ \\t]*:");

    private static ScannerDaemon spamd;
    private static ServerSocket closed;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        spamd = ScannerDaemon.spamd();
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort(); // closed again at once: connections are refused
        }
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: spamd
                  type: spamd
                  address: %s
                  timeout: 30s
                - name: rspamd
                  type: rspamd
                  url: http://127.0.0.1:%d
                  timeout: 5s
                """.formatted(spamd.address(), deadPort), """
                content:
                  chain: [spamd]
                  on-failure: fail-open
                """, """
                content:
                  chain: [rspamd]
                  on-failure: fail-open
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, spamd);
    }

    @Test
    void scannedMessageCarriesOnlyOurSpamFields() throws Exception {
        String stored = send(gateway.inboundPort(), SENT);
        assertThat(stored).startsWith("X-Spam-Status: No, score=");
        assertThat(spamFields(stored)).containsExactly("X-Spam-Status");
        assertNoForgedField(stored);
    }

    /** F3: 2.2 MB is over spamd's default max-size of 2 MB, so spamd never sees the message. */
    @Test
    void messageOverTheScannersMaxSizeKeepsNoForgedField() throws Exception {
        StringBuilder body = new StringBuilder(BODY);
        String line = "0123456789".repeat(7) + "abcd\r\n";
        while (body.length() < 2_200_000) {
            body.append(line);
        }
        String sent = FORGED_TOP + ORDINARY_1 + FORGED_MIDDLE + ORDINARY_2 + FORGED_BOTTOM + body;
        String stored = send(gateway.inboundPort(), sent);
        assertThat(stored).startsWith(ContentChain.SKIPPED_HEADER + ": spamd (larger than max-size)\r\n");
        assertThat(spamFields(stored)).isEmpty();
        assertThat(stored.contains("forged")).as("a forged field is left").isFalse(); // no 2 MB in a failure message
        assertThat(stored.endsWith(ORDINARY_1 + ORDINARY_2 + body)).as("the rest is as sent").isTrue();
    }

    /** rspamd over HTTP, not listening: fail-open, and its fields are the client's to forge no more than spamd's. */
    @Test
    void unreachableRspamdFailingOpenKeepsNoForgedField() throws Exception {
        String stored = send(gateway.port("outbound"), SENT);
        assertThat(stored).startsWith(ContentChain.SKIPPED_HEADER + ": rspamd (error)\r\n");
        assertThat(spamFields(stored)).isEmpty();
        assertNoForgedField(stored);
    }

    /**
     * spamd killed on a fail-open listener: five errors, then the circuit opens; a hung scanner
     * times out at its budget. None of them leaves a forged field, and the gateway keeps answering.
     */
    @Test
    void deadOrHungScannerFailingOpenKeepsNoForgedField() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ScannerDaemon doomed = ScannerDaemon.spamd();
             ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestGateway failing = TestGateway.startYaml(TestGateway.contentYaml("""
                     - name: spamd
                       type: spamd
                       address: %s
                       timeout: 20s
                     - name: hung
                       type: spamd
                       address: 127.0.0.1:%d
                       timeout: 2s
                     """.formatted(doomed.address(), silent.getLocalPort()), """
                     content:
                       chain: [spamd]
                       on-failure: fail-open
                     """, """
                     content:
                       chain: [hung]
                       on-failure: fail-open
                     """))) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never read, never answered
                    }
                } catch (IOException over) {
                    // the test is over
                }
            });
            assertThat(spamFields(sendTo(failing, failing.inboundPort(), SENT))).containsExactly("X-Spam-Status");

            doomed.kill();
            for (int i = 0; i < 5; i++) {
                String stored = sendTo(failing, failing.inboundPort(), SENT);
                assertThat(stored).as("failure %d", i).startsWith(ContentChain.SKIPPED_HEADER + ": spamd (error)\r\n");
                assertThat(spamFields(stored)).isEmpty();
                assertNoForgedField(stored);
            }
            String circuitOpen = sendTo(failing, failing.inboundPort(), SENT);
            assertThat(circuitOpen).startsWith(ContentChain.SKIPPED_HEADER + ": spamd (circuit-open)\r\n");
            assertThat(spamFields(circuitOpen)).isEmpty();
            assertNoForgedField(circuitOpen);

            String timedOut = sendTo(failing, failing.port("outbound"), SENT);
            // the socket's read deadline (the step's budget) usually fires just before the chain's: error or timeout
            assertThat(timedOut).matches("(?s)" + ContentChain.SKIPPED_HEADER + ": hung \\((error|timeout)\\)\r\n.*");
            assertThat(spamFields(timedOut)).isEmpty();
            assertNoForgedField(timedOut);
            assertThat(failing.incomingFiles()).isEmpty();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    /** Ordinary mail with no X-Spam-* field of its own is only marked, as before. */
    @Test
    void ordinaryMailIsOnlyMarked() throws Exception {
        String stored = send(gateway.inboundPort(), CLEAN);
        assertThat(spamFields(stored)).containsExactly("X-Spam-Status");
        assertThat(stored).endsWith(CLEAN);
    }

    private static void assertNoForgedField(String stored) {
        assertThat(stored).doesNotContain("forged").doesNotContain("-100").endsWith(CLEAN);
    }

    /** The names of the scanner fields in the header section, in order. */
    private static List<String> spamFields(String stored) {
        String header = stored.substring(0, stored.indexOf("\r\n\r\n") + 2);
        List<String> names = new ArrayList<>();
        Matcher m = SPAM_FIELD.matcher(header);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String send(int port, String message) throws Exception {
        return sendTo(gateway, port, message);
    }

    /** Sends over a fresh connection, expects 250 2.0.0, and returns the stored message with its size checked. */
    private static String sendTo(TestGateway target, int port, String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            String id = smtp.transaction("user@example.test", "other@example.test", message, "250 2.0.0");
            String stored = new String(target.message(id), StandardCharsets.UTF_8);
            assertThat(target.envelope(id).size()).isEqualTo(stored.getBytes(StandardCharsets.UTF_8).length);
            return stored;
        }
    }
}
