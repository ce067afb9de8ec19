package io.portcullis.redis;

import static io.portcullis.redis.SharedStateNodes.UNAVAILABLE;
import static io.portcullis.redis.SharedStateNodes.USER;
import static io.portcullis.redis.SharedStateNodes.client;
import static io.portcullis.redis.SharedStateNodes.greylistAttempt;
import static io.portcullis.redis.SharedStateNodes.mailFrom;
import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * shared-state.redis.address pointing at something that speaks RESP but is not the Redis we expect
 * (a proxy gone wrong, another service, a hostile box): it answers every command "+OK", so a
 * script that should give a number or a list gives a status text. That is a Redis failure like a
 * dead one: each feature follows its on-failure (open: mail flows on this node's own counters,
 * greylisting skipped; closed: 451 4.3.0 at MAIL/RCPT, 454 4.7.0 at AUTH), the failure is counted,
 * and no session is cut off with an internal error.
 */
class RedisAnsweringGarbageTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static ServerSocket garbage;
    private static TestGateway open;
    private static TestGateway closed;

    @BeforeAll
    static void start() throws Exception {
        garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(RedisAnsweringGarbageTest::acceptLoop);
        String address = "127.0.0.1:" + garbage.getLocalPort();
        open = TestGateway.startYaml(SharedStateNodes.yaml(address, "open"));
        closed = TestGateway.startYaml(SharedStateNodes.yaml(address, "closed"));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(open, closed, garbage);
    }

    private static void acceptLoop() {
        while (!garbage.isClosed()) {
            try {
                Socket socket = garbage.accept();
                Thread.ofVirtual().start(() -> answerOk(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Reads RESP commands (arrays of bulk strings) and answers each with +OK, until the client hangs up. */
    private static void answerOk(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.ISO_8859_1)); OutputStream out = socket.getOutputStream()) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("*")) {
                    int parts = Integer.parseInt(line.substring(1));
                    for (int i = 0; i < parts; i++) {
                        int length = Integer.parseInt(in.readLine().substring(1));
                        long left = length + 2; // the value and its CRLF (one char an octet in ISO-8859-1)
                        while (left > 0) {
                            long skipped = in.skip(left);
                            if (skipped <= 0) {
                                return;
                            }
                            left -= skipped;
                        }
                    }
                    out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client hung up
        }
    }

    @Test
    void anOpenNodeKeepsMailFlowing() throws Exception {
        long started = System.nanoTime();
        int queued = open.queued().size();
        assertThat(mailFrom(open, "limited", "127.0.11.1")).startsWith("250 2.1.0");
        try (SmtpScript smtp = client(open, "inbound", "127.0.11.2")) { // greylisting skipped
            smtp.sendMessage("sender@remote.test", "rcpt@example.test", "Subject: not greylisted\r\n\r\nx\r\n");
        }
        try (SmtpScript smtp = client(open, "submission", "127.0.11.3")) {
            smtp.send("AUTH PLAIN " + plain("", USER, "wrong password")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", USER, SharedStateNodes.PASSWORD)).expect("235 2.7.0");
            smtp.sendMessage(USER, "friend@remote.test", "Subject: submitted\r\n\r\nx\r\n");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(open.queued()).hasSize(queued + 2);
        String metrics = open.metrics();
        for (String feature : new String[] {"rate-limits", "auth-throttle"}) {
            assertThat(failures(metrics, feature)).as(feature + " failures").isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aClosedNodeRefusesForNow() throws Exception {
        long started = System.nanoTime();
        int queued = closed.queued().size();
        assertThat(mailFrom(closed, "limited", "127.0.12.1")).startsWith(UNAVAILABLE + " ");
        // "OK" read as an entry is none (greylisted), or Redis is still paused after the failure above (closed)
        assertThat(greylistAttempt(closed, "127.0.12.2")).matches("(?s)451 4\\.(7\\.1|3\\.0) .*");
        try (SmtpScript smtp = client(closed, "submission", "127.0.12.3")) {
            smtp.send("AUTH PLAIN " + plain("", USER, SharedStateNodes.PASSWORD)).expect("454 4.7.0");
            smtp.send("NOOP").expect("250 2.0.0"); // the session goes on
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(closed.queued()).hasSize(queued);
        assertThat(failures(closed.metrics(), "rate-limits")).isGreaterThanOrEqualTo(1);
    }

    private static double failures(String metrics, String feature) {
        Matcher m = Pattern.compile("(?m)^portcullis_shared_state_failures_total\\{[^}]*feature=\"" + feature
                + "\"[^}]*} ([0-9.E]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
