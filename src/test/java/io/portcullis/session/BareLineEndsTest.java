package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bare-line-ends: normalize}: a bare LF in message content (DATA or BDAT) becomes CRLF,
 * and the message goes on to real next hops: a second Portcullis that refuses any bare CR or LF
 * (so what arrives there is CRLF everywhere, or it would say 550 5.6.0) and Postfix's smtp-sink,
 * which ends data at a line holding one dot (so a "." line left unstuffed would cut the message
 * and run the rest as commands). Nothing else changes: DATA ends at CRLF.CRLF alone, a fake
 * terminator never starts a second message, bare CR and NUL are still refused, and a bare LF in a
 * command still closes the session. The default is normalize where AUTH is required, reject
 * elsewhere.
 */
class BareLineEndsTest {
    private static final String PASSWORD = "app password for tests";
    private static TestGateway nextHop;
    private static SmtpSink sink;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        nextHop = TestGateway.start(""); // bare-line-ends: reject (no AUTH): the strict next hop
        sink = SmtpSink.start(0);
        String hash = PasswordHashes.hash(PASSWORD.toCharArray(), 4);
        String listeners = TestGateway.defaultYaml("").replace("    relay-networks: [127.0.0.0/8]\n",
                "    relay-networks: [127.0.0.0/8]\n    bare-line-ends: normalize\n");
        gateway = TestGateway.startYaml(listeners.substring(0, listeners.indexOf("domains:")) + """
                  - name: submit
                    bind: 127.0.0.1:0
                    auth: {required: true, require-tls: false}
                    relay: authenticated
                    submission-fixups: false
                domains: [example.test]
                users:
                  inline:
                    - {name: app@example.test, password-hash: "%s"}
                connectors:
                  - {name: next-hop, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                  - {name: sink, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                routes:
                  - {domains: [example.test], connector: next-hop}
                  - {domains: [sink.test], connector: sink}
                delivery:
                  retry: [1s]
                """.formatted(hash, nextHop.inboundPort(), sink.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        nextHop.close();
        sink.close();
    }

    private static SmtpScript normalizing(String to) throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"));
        smtp.expect("220").send("EHLO app.example.test").expect("250 ");
        smtp.send("MAIL FROM:<app@example.test>").expect("250 2.1.0");
        smtp.send("RCPT TO:<" + to + ">").expect("250 2.1.5");
        return smtp;
    }

    /** The message as the strict next hop stored it, without the two Received headers the hops added. */
    private static String arrivedAtNextHop(String subject) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String id : nextHop.queued()) {
                String stored = new String(nextHop.message(id), StandardCharsets.ISO_8859_1);
                if (stored.contains("Subject: " + subject + "\r\n")) {
                    return stored.substring(stored.indexOf("Subject: "));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no message \"" + subject + "\" at the next hop");
    }

    private static void assertCrlfOnly(String content) {
        assertThat(content.replace("\r\n", "")).as("no bare CR or LF in %s", content).doesNotContain("\r").doesNotContain("\n");
    }

    @Test
    void bareLfInDataBecomesCrlfAllTheWayToTheNextHop() throws Exception {
        String id;
        try (SmtpScript smtp = normalizing("user@example.test")) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: lf-data\nX-Mixed: yes\r\n\nline one\nline two\r\n\n\nlast\r\n.\r\n").expect("250 2.0.0");
            id = smtp.queueId();
        }
        String expected = "Subject: lf-data\r\nX-Mixed: yes\r\n\r\nline one\r\nline two\r\n\r\n\r\nlast\r\n";
        String stored = gateway.messageWithoutOurReceived(id);
        assertThat(stored).isEqualTo(expected);
        String arrived = arrivedAtNextHop("lf-data");
        assertThat(arrived).isEqualTo(expected);
        assertCrlfOnly(arrived);
    }

    /**
     * SMTP smuggling against a normalizing listener: "LF . LF", "CR LF . LF" and "LF . CR LF" are
     * content. One message is accepted (the reply after it is QUIT's), its content holds the
     * smuggled commands as text, and the next hops each get that one message whole: the "." line
     * that normalizing can leave is dot-stuffed on the way out.
     */
    @ParameterizedTest(name = "fake terminator {0}")
    @ValueSource(strings = {"\\n.\\n", "\\r\\n.\\n", "\\n.\\r\\n", "\\n.\\n.\\n", "\\n..\\n"})
    void fakeTerminatorIsContentAndNeverEndsDataHereOrAtTheNextHop(String terminator) throws Exception {
        String subject = "smuggle-" + Integer.toHexString(terminator.hashCode());
        String smuggled = "MAIL FROM:<smuggled@example.org>\r\nRCPT TO:<victim@sink.test>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nsmuggled body\r\n";
        int queuedAtNextHop = nextHop.queued().size();
        int sinkTransactions = sink.transactions().size();
        for (String to : List.of("user@example.test", "user@sink.test")) {
            try (SmtpScript smtp = normalizing(to)) {
                smtp.send("DATA").expect("354");
                smtp.sendRaw("Subject: " + subject + "\r\n\r\nhello" + unescape(terminator) + smuggled + ".\r\n");
                smtp.expect("250 2.0.0");
                smtp.send("QUIT").expect("221");
            }
        }
        String arrived = arrivedAtNextHop(subject);
        assertCrlfOnly(arrived);
        assertThat(arrived).contains("MAIL FROM:<smuggled@example.org>\r\n", "smuggled body\r\n");
        List<String> dumps = sink.awaitTransactions(sinkTransactions + 1, 30);
        assertThat(dumps).hasSize(sinkTransactions + 1);
        String dump = dumps.stream().filter(d -> d.contains("Subject: " + subject)).findFirst().orElseThrow();
        assertThat(dump).contains("X-Rcpt-Args: <user@sink.test>", "MAIL FROM:<smuggled@example.org>", "smuggled body")
                .doesNotContain("X-Rcpt-Args: <victim");
        assertThat(gateway.awaitEmptyQueue(30)).isTrue();
        assertThat(nextHop.queued()).hasSize(queuedAtNextHop + 1);
    }

    /** BDAT chunks are content too; a CR ending one chunk and the LF starting the next are one CRLF. */
    @Test
    void bareLfInBdatChunksBecomesCrlf() throws Exception {
        String[] chunks = {"Subject: lf-bdat\n\nfirst\r", "\nsecond\n", ".\nthird\n", "\n.\r\nend\r\n"};
        String id;
        try (SmtpScript smtp = normalizing("user@example.test")) {
            for (int i = 0; i < chunks.length; i++) {
                byte[] chunk = chunks[i].getBytes(StandardCharsets.US_ASCII);
                smtp.sendRaw("BDAT " + chunk.length + (i == chunks.length - 1 ? " LAST" : "") + "\r\n");
                smtp.sendRaw(chunk).expect("250 2.0.0");
            }
            id = smtp.queueId();
        }
        String expected = "Subject: lf-bdat\r\n\r\nfirst\r\nsecond\r\n.\r\nthird\r\n\r\n.\r\nend\r\n";
        assertThat(gateway.messageWithoutOurReceived(id)).isEqualTo(expected);
        assertThat(arrivedAtNextHop("lf-bdat")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"one\\rtwo", "one\\r\\r\\ntwo", "one\\n\\rtwo", "trailing\\r", "one\\u0000two"})
    void bareCrAndNulAreStillRefused(String body) throws Exception {
        try (SmtpScript smtp = normalizing("user@example.test")) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: refused-cr\n\n" + unescape(body) + "\r\n.\r\n").expect("550 5.6.0");
            smtp.send("MAIL FROM:<app@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            String chunk = "Subject: refused-cr\n\n" + unescape(body) + "\r\n";
            smtp.send("BDAT " + chunk.length() + " LAST").sendRaw(chunk).expect("550 5.6.0");
            smtp.sendMessage("app@example.test", "user@example.test", "Subject: after-cr\r\n\r\nok\r\n");
        }
        assertThat(gateway.incomingFiles()).as("open spool files (recycled ones aside)")
                .allMatch(file -> file.getFileName().toString().startsWith("free-"));
        arrivedAtNextHop("after-cr");
        for (String id : nextHop.queued()) {
            assertThat(new String(nextHop.message(id), StandardCharsets.ISO_8859_1)).doesNotContain("refused-cr");
        }
    }

    @Test
    void bareLfInACommandStillClosesTheSession() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").sendRaw("EHLO app.example.test\nMAIL FROM:<app@example.test>\r\n").expect("500 5.5.2");
            smtp.expectClosed();
        }
    }

    /** Defaults: normalize on a listener that requires AUTH, reject on the anonymous inbound one. */
    @Test
    void authRequiredListenerNormalizesAndAnonymousOneRejects() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("submit"))) {
            smtp.expect("220").send("EHLO laptop.example.test").expect("250 ");
            smtp.send("AUTH PLAIN " + SmtpScript.plain("", "app@example.test", PASSWORD)).expect("235 2.7.0");
            smtp.send("MAIL FROM:<app@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: lf-submit\n\nfrom an app\n\r\n.\r\n").expect("250 2.0.0");
        }
        assertThat(arrivedAtNextHop("lf-submit")).isEqualTo("Subject: lf-submit\r\n\r\nfrom an app\r\n\r\n");
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: lf-inbound\n\nx\r\n.\r\n").expect("550 5.6.0");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("BDAT 16 LAST").sendRaw("Subject: lf\n\nx\r\n").expect("550 5.6.0");
        }
        assertThat(gateway.incomingFiles()).as("open spool files (recycled ones aside)")
                .allMatch(file -> file.getFileName().toString().startsWith("free-"));
    }

    static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000");
    }
}
