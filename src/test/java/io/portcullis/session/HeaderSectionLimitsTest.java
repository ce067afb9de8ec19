package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The header section is parsed whole or refused (issue 12, finding 1): larger than the listener's
 * {@code max-header-size} (default 100KB) is 552 5.3.4 after the whole message was read, a line
 * in it that is no header field is 554 5.6.0; nothing is queued and the session goes on.
 */
class HeaderSectionLimitsTest {
    private static final int LIMIT = 100 * 1024;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(""); // the default limits: max-header-size is not set
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private int queuedBefore;

    @BeforeEach
    void countQueue() {
        queuedBefore = gateway.queued().size();
    }

    private void assertNothingQueued() throws IOException {
        assertThat(gateway.queued()).hasSize(queuedBefore);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    private static SmtpScript inTransaction(SmtpScript smtp) throws IOException {
        smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
        smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
        return smtp;
    }

    private static SmtpScript session() throws IOException {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        return smtp;
    }

    /** Sends {@code message} (ending in CRLF) by DATA or in BDAT chunks of 64 KB and reads the final reply. */
    private static SmtpScript send(SmtpScript smtp, String message, boolean bdat, String reply) throws IOException {
        if (!bdat) {
            smtp.send("DATA").expect("354");
            return smtp.sendRaw(message + ".\r\n").expect(reply);
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        int chunk = 64 * 1024;
        for (int offset = 0; offset < bytes.length; offset += chunk) {
            int length = Math.min(chunk, bytes.length - offset);
            boolean last = offset + length == bytes.length;
            smtp.sendRaw(("BDAT " + length + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            smtp.sendRaw(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
            smtp.expect(last ? reply : "250 2.0.0");
        }
        return smtp;
    }

    /** A fresh client completes a transaction: the abuse starved nothing. */
    private static void assertResponsive() throws IOException {
        try (SmtpScript other = inTransaction(session())) {
            send(other, "Subject: still here\r\n\r\nx\r\n", false, "250 2.0.0 OK queued as");
        }
    }

    static List<Object[]> paddingShapes() {
        String body = "\r\nbody\r\n";
        String eightKb = ("X-Padding: " + "p".repeat(8000) + "\r\n").repeat(140);
        List<Object[]> shapes = new ArrayList<>();
        for (boolean bdat : new boolean[] {false, true}) {
            String via = bdat ? " (BDAT)" : " (DATA)";
            shapes.add(new Object[] {"140 fields of 8KB before Subject" + via, eightKb + "Subject: viagra\r\n" + body, bdat});
            shapes.add(new Object[] {"15000 small fields" + via, "X-P: 1\r\n".repeat(15000) + "Subject: viagra\r\n" + body,
                bdat});
            shapes.add(new Object[] {"one field folded over 150KB" + via,
                "Subject: x\r\nX-Long: start\r\n" + ("\t" + "f".repeat(990) + "\r\n").repeat(150) + body, bdat});
            shapes.add(new Object[] {"padding after From" + via,
                "From: a@example.org\r\n" + eightKb.substring(0, 8013 * 20) + body, bdat});
            shapes.add(new Object[] {"Received fields as padding" + via,
                ("Received: from " + "r".repeat(4000) + "\r\n").repeat(30) + body, bdat});
            shapes.add(new Object[] {"no empty line, no body" + via, eightKb, bdat});
        }
        return shapes;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paddingShapes")
    void aHeaderSectionOverTheLimitIsRefusedAfterTheWholeMessageIsRead(String name, String message, boolean bdat)
            throws Exception {
        try (SmtpScript smtp = inTransaction(session())) {
            send(smtp, message, bdat, "552 5.3.4");
            assertNothingQueued();
            send(inTransaction(smtp), "Subject: next\r\n\r\nx\r\n", bdat, "250 2.0.0 OK queued as");
        }
        assertResponsive();
    }

    /** {@code size} octets of header section, the empty line included. */
    private static String headerSectionOf(int size) {
        int fields = size - 2;
        StringBuilder header = new StringBuilder();
        int lines = fields / 1000;
        for (int i = 0; i < lines; i++) {
            int length = i == lines - 1 ? 1000 + fields % 1000 : 1000;
            header.append("X-Pad: ").append("a".repeat(length - 9)).append("\r\n");
        }
        assertThat(header.length()).isEqualTo(fields);
        return header.append("\r\n").toString();
    }

    @ParameterizedTest(name = "{0} octets: {1}")
    @CsvSource({"102400, 250 2.0.0 OK queued as", "102401, 552 5.3.4"})
    void theLimitCountsTheWholeHeaderSection(int size, String reply) throws Exception {
        assertThat(LIMIT).isEqualTo(102400);
        try (SmtpScript smtp = inTransaction(session())) {
            send(smtp, headerSectionOf(size) + "body\r\n", false, reply);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a line without colon           | Subject: x\\r\\nnot a header field\\r\\nX-Spam-Flag: YES\\r\\n\\r\\nbody\\r\\n",
        "first line without colon       | hello world\\r\\nSubject: viagra\\r\\n\\r\\nbody\\r\\n",
        "folded line before any field   | \\tcontinued\\r\\nSubject: x\\r\\n\\r\\nbody\\r\\n",
        "colon without a name           | : x\\r\\n\\r\\nbody\\r\\n",
        "space inside the name          | Subject: x\\r\\nX Spam: y\\r\\n\\r\\nbody\\r\\n",
        "name with an 8-bit octet       | Subject: x\\r\\nX-Sp\u00e4m: y\\r\\n\\r\\nbody\\r\\n",
        "From without colon             | From ceo@example.test\\r\\nSubject: x\\r\\n\\r\\nbody\\r\\n",
        "last line of a bodiless message| Subject: x\\r\\nno colon\\r\\n",
        "after a thousand fields        | PADno colon\\r\\nSubject: x\\r\\n\\r\\nbody\\r\\n",
    })
    void aLineInTheHeaderSectionThatIsNoFieldIsRefused(String name, String raw) throws Exception {
        String message = raw.replace("\\r\\n", "\r\n").replace("\\t", "\t").replace("PAD", "X-P: 1\r\n".repeat(1000));
        for (boolean bdat : new boolean[] {false, true}) {
            try (SmtpScript smtp = inTransaction(session())) {
                send(smtp, message, bdat, "554 5.6.0");
                assertNothingQueued();
            }
        }
        assertResponsive();
    }

    @Test
    void aBodylessMessageWhoseLastFieldHasNoLineEndIsStillAField() throws Exception {
        try (SmtpScript smtp = inTransaction(session())) {
            smtp.sendRaw("BDAT 10 LAST\r\nSubject: x").expect("250 2.0.0 OK queued as");
            inTransaction(smtp).sendRaw("BDAT 9 LAST\r\nSubject x").expect("554 5.6.0");
        }
    }

    @Test
    void obsoleteWhiteSpaceBeforeTheColonIsAFieldAndTheBodyMayHoldAnything() throws Exception {
        try (SmtpScript smtp = inTransaction(session())) {
            send(smtp, "Subject : old style\r\nX-Tab\t: too\r\n\r\nno colon in the body\r\n : nor here\r\n", false,
                    "250 2.0.0 OK queued as");
        }
    }
}
