package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile MIME structures against a gateway whose chain runs the built-in rules: the inbound
 * listener with the default MIME limits, the outbound one with small ones. Each is refused for
 * good, at once (every read of SmtpScript gives up after 10 s), nothing is queued, and the
 * session and the gateway go on serving; what stays within the limits is accepted.
 */
class MimeLimitsTest {
    private static final String TOO_MANY_PARTS = "554 5.6.0 Message rejected: too many MIME parts";
    private static final String TOO_DEEP = "554 5.6.0 Message rejected: MIME structure nested too deeply";
    private static final String AMBIGUOUS = "554 5.6.0 Message rejected: MIME structure can be read in more than one way";
    private static final String MALFORMED = "554 5.6.0 Message rejected: MIME structure cannot be parsed";
    private static final String DECODED_TOO_BIG = "552 5.3.4 Message rejected: decoded content exceeds the size limit";
    private static final String BLOCKED = "554 5.7.1 Message rejected: attachment type not allowed: ";

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  max-nesting: 100
                  body-checks:
                    - pattern: "(?i)wire the money"
                  block-attachments:
                    names: ["*.exe", "*.scr"]
                """, """
                content:
                  chain: [rules]
                """, """
                content:
                  chain: [rules]
                  max-mime-parts: 50
                  max-mime-depth: 5
                  max-decoded-size: 64KB
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    record Case(String name, String message, String reply) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> refusedInbound() {
        String exe = base64("MZ fake program");
        return List.of(
                new Case("many parts, flat, with 70-character boundaries", flat(20_000, "=".repeat(60) + "0123456789"),
                        TOO_MANY_PARTS),
                new Case("multiparts nested 10,000 deep", nested(10_000), TOO_DEEP),
                new Case("message/rfc822 nested 10,000 deep", "Subject: x\r\n" + "Content-Type: message/rfc822\r\n\r\n"
                        .repeat(10_000) + "Subject: inner\r\n\r\nhello\r\n", TOO_DEEP),
                new Case("multiparts opened 50,000 times and never closed", unterminated(50_000), TOO_DEEP),
                new Case("two different Content-Type fields", "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\r\nhi\r\n--b--\r\n", AMBIGUOUS),
                new Case("two different Content-Type fields in a part", mixed("Content-Type: text/plain\r\n"
                        + "Content-Type: application/octet-stream; name=\"a.bin\"\r\n\r\nhi\r\n"), AMBIGUOUS),
                new Case("a nested boundary that starts with the enclosing one", mixed(
                        "Content-Type: multipart/alternative; boundary=\"outer-2\"\r\n\r\n--outer-2\r\n\r\nhi\r\n--outer-2--\r\n"),
                        AMBIGUOUS),
                new Case("a nested boundary that the enclosing one starts with", "MIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"abcdef\"\r\n\r\n--abcdef\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--abc\r\n\r\nhi\r\n--abc--\r\n--abcdef--\r\n",
                        AMBIGUOUS),
                new Case("parts after the closing boundary", mixed("\r\nhi\r\n--outer--\r\n--outer\r\n"
                        + "Content-Type: application/octet-stream; name=\"late.exe\"\r\n\r\n" + exe), AMBIGUOUS),
                new Case("multipart without a boundary", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
                        + "--x\r\n\r\nhi\r\n--x--\r\n", MALFORMED),
                new Case("an unterminated boundary hiding an attachment", "MIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\r\nhi\r\n--b\r\n"
                        + "Content-Type: application/octet-stream; name=\"open.exe\"\r\n\r\n" + exe, BLOCKED + "open.exe"),
                new Case("an attachment name hidden 15 levels down, inside base64", hiddenDeep(exe), BLOCKED + "deep.scr"),
                new Case("a name in Content-Type behind a harmless Content-Disposition", mixed(
                        "Content-Type: application/octet-stream; name=\"tool.exe\"\r\n"
                                + "Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n" + exe), BLOCKED + "tool.exe"),
                new Case("a body phrase in a part after 900 others", flatWith(900, "Content-Type: text/plain; charset=utf-8\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64("please wire the money")),
                        "550 5.7.1 Message content rejected"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedInbound")
    void refusesOnTheInboundListener(Case c) throws Exception {
        refuses(gateway.inboundPort(), "sender@remote.test", "user@example.test", c.message(), c.reply());
    }

    static List<Case> refusedOutbound() {
        return List.of(new Case("50 parts in a message: 51 entities", flat(50, "b"), TOO_MANY_PARTS),
                new Case("6 levels", nested(6), TOO_DEEP),
                new Case("more decoded content than max-decoded-size", mixed("Content-Type: application/octet-stream\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64("x".repeat(100_000))), DECODED_TOO_BIG),
                new Case("a plain message larger than max-decoded-size", "Subject: long\r\n\r\n"
                        + "z".repeat(76).concat("\r\n").repeat(1500), DECODED_TOO_BIG));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedOutbound")
    void refusesPastTheOutboundListenersOwnLimits(Case c) throws Exception {
        refuses(gateway.port("outbound"), "user@example.test", "someone@remote.test", c.message(), c.reply());
    }

    @Test
    void refusesTheQuarterMillionPartFloodAtOnceWhileOthersAreServed() throws Exception {
        String flood = flat(250_000, "b"); // 2.5 MB
        assertThat(flood.length()).isBetween(2_400_000, 2_600_000);
        int queuedBefore = gateway.queued().size();
        long refusedBefore = rejects("inbound", "mime-parts");
        CompletableFuture<String> reply = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO flood.test").expect("250");
                smtp.transaction("sender@remote.test", "user@example.test", flood, TOO_MANY_PARTS);
                reply.complete(smtp.lastReply());
                smtp.send("NOOP").expect("250");
            } catch (Throwable e) {
                reply.completeExceptionally(e);
            }
        });
        String ordinary;
        try (SmtpScript smtp = gateway.connect()) { // meanwhile, another client is served
            smtp.expect("220").send("EHLO ordinary.test").expect("250");
            ordinary = smtp.sendMessage("sender@remote.test", "user@example.test", mixed("\r\nhello\r\n"));
        }
        assertThat(reply.get(30, TimeUnit.SECONDS)).startsWith(TOO_MANY_PARTS);
        assertThat(gateway.queued()).hasSize(queuedBefore + 1).contains(ordinary);
        assertThat(gateway.incomingFiles()).isEmpty();
        assertThat(rejects("inbound", "mime-parts")).isEqualTo(refusedBefore + 1);
    }

    static List<Case> accepted() {
        StringBuilder manyHeaders = new StringBuilder("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"h\"\r\n\r\n");
        for (int part = 0; part < 300; part++) {
            manyHeaders.append("--h\r\n");
            for (int i = 0; i < 200; i++) {
                manyHeaders.append("X-Part-Header-").append(i).append(": ").append("v".repeat(20)).append("\r\n");
            }
            manyHeaders.append("\r\nbody\r\n");
        }
        manyHeaders.append("--h--\r\n");
        return List.of(new Case("1,000 parts, the default limit", flat(999, "b"), "250 2.0.0"),
                new Case("20 levels, the default limit", nested(20), "250 2.0.0"),
                new Case("300 parts with 200 header fields each", manyHeaders.toString(), "250 2.0.0"),
                new Case("a missing closing boundary", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                        + "--b\r\n\r\nhi\r\n", "250 2.0.0"),
                new Case("a 6 MB base64 attachment", mixed("Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64("y".repeat(6_000_000))), "250 2.0.0"),
                new Case("the same Content-Type twice", "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
                        + "Content-Type: text/plain\r\n\r\nhi\r\n", "250 2.0.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptsWhatStaysWithinTheLimits(Case c) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            String id = smtp.transaction("sender@remote.test", "user@example.test", c.message(), c.reply());
            assertThat(gateway.queued()).contains(id);
        }
    }

    private static void refuses(int port, String from, String to, String message, String reply) throws Exception {
        int queuedBefore = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.transaction(from, to, message, reply);
            assertThat(smtp.lastReply()).startsWith(reply);
            smtp.send("NOOP").expect("250"); // the session goes on
            smtp.sendMessage(from, to, "Subject: next\r\n\r\nfine\r\n");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1); // only the ordinary message after it
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    private static long rejects(String listener, String reason) {
        Matcher m = Pattern.compile("portcullis_rejects_total\\{flow=\"" + listener + "\",listener=\"" + listener
                + "\",reason=\"" + reason + "\"} (\\S+)").matcher(gateway.metrics());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    static String base64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    /** A multipart/mixed message of a text part and then the given part (its fields, blank line, body). */
    static String mixed(String part) {
        return "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                + "--outer\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--outer\r\n" + part + "\r\n--outer--\r\n";
    }

    /** {@code parts} tiny parts in one multipart: the message and they make parts + 1 entities. */
    static String flat(int parts, String boundary) {
        return flatWith(parts - 1, "\r\nx\r\n").replace("=_flat_=", boundary);
    }

    /** {@code count} empty-bodied tiny parts, then one with the given fields and body. */
    static String flatWith(int count, String lastPart) {
        StringBuilder message = new StringBuilder("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_flat_=\"\r\n\r\n");
        for (int i = 0; i < count; i++) {
            message.append("--=_flat_=\r\n\r\nx\r\n");
        }
        return message.append("--=_flat_=\r\n").append(lastPart).append("--=_flat_=--\r\n").toString();
    }

    /** Multiparts {@code depth} levels deep, with boundaries none of which starts another. */
    static String nested(int depth) {
        StringBuilder message = new StringBuilder("MIME-Version: 1.0\r\n");
        for (int i = 0; i < depth; i++) {
            message.append("Content-Type: multipart/mixed; boundary=\"=_").append(i).append("_=\"\r\n\r\n--=_").append(i).append("_=\r\n");
        }
        message.append("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            message.append("--=_").append(i).append("_=--\r\n");
        }
        return message.toString();
    }

    static String unterminated(int count) {
        StringBuilder message = new StringBuilder("MIME-Version: 1.0\r\n");
        for (int i = 0; i < count; i++) {
            message.append("Content-Type: multipart/mixed; boundary=\"=_").append(i).append("_=\"\r\n\r\n--=_").append(i).append("_=\r\n");
        }
        return message.append("\r\nend\r\n").toString();
    }

    /** deep.scr under 14 levels of multipart and message/rfc822, the innermost message base64-encoded. */
    static String hiddenDeep(String exe) {
        String inner = "Subject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n"
                + "--in\r\nContent-Type: text/plain\r\n\r\nhi\r\n--in\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
                + " filename*0*=UTF-8''de%65p; filename*1=\".s\"; filename*2=\"cr\"\r\n\r\n" + exe + "--in--\r\n";
        String part = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(inner);
        for (int i = 0; i < 6; i++) {
            part = "Content-Type: message/rfc822\r\n\r\nSubject: level " + i + "\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"=_" + i + "_=\"\r\n\r\n--=_" + i + "_=\r\n" + part
                    + "--=_" + i + "_=--\r\n";
        }
        return mixed(part);
    }
}
