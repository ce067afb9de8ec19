package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ways to slip a blocked attachment past the built-in rules that a red-team review found, and
 * their relatives: a parameter given twice (readers take the first, the last, or the RFC 2231
 * form), names that Windows saves under another name (trailing dots and spaces, {@code ::$DATA})
 * or that hold a control character, files uuencoded, yEnc- or BinHex-encoded inside text, and part
 * header fields with white space before the colon. Each is refused with its exact reply over SMTP,
 * nothing is queued, and the session and a fresh client go on; ordinary attachments still pass.
 * The inbound listener runs rules that block executables; the outbound one runs rules with a
 * header check only, so only its structure scan applies.
 */
class AttachmentEvasionTest {
    private static final String AMBIGUOUS = "554 5.6.0 Message rejected: MIME structure can be read in more than one way";
    private static final String MALFORMED = "554 5.6.0 Message rejected: MIME structure cannot be parsed";
    private static final String CONTROL = "554 5.6.0 Message rejected: an attachment name contains a control character";
    private static final String BLOCKED = "554 5.7.1 Message rejected: attachment type not allowed: ";
    private static final String HEADER = "From: Alice <alice@remote.test>\r\nTo: user@example.test\r\nSubject: files\r\n"
            + "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\nMessage-ID: <evasion@remote.test>\r\n";
    private static final String EXE = base64("MZ fake program");
    private static final String UU_BODY = "M35J0``,````$````__\\``+@`````````0```````````````````````\r\n`\r\nend\r\n";

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "^Subject:.*\\\\bBLOCK-ME\\\\b"
                  block-attachments:
                    names: ["*.exe", "*.scr", "*.js", "*.vbs", "*.lnk"]
                    types: [application/x-msdownload]
                - name: headers-only
                  type: rules
                  header-checks:
                    - pattern: "^Subject:.*\\\\bBLOCK-ME\\\\b"
                """, """
                content:
                  chain: [rules]
                """, """
                content:
                  chain: [headers-only]
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

    /** F1: one parameter given twice, in every spelling. */
    static List<Case> duplicateParameters() {
        return List.of(
                new Case("boundary twice at the top", HEADER + "MIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"BB\"; boundary=\"XX\"\r\n\r\n"
                        + "--BB\r\nContent-Type: application/octet-stream; name=\"a.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + EXE + "--BB--\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n", AMBIGUOUS),
                new Case("filename twice", part("Content-Disposition: attachment; filename=\"a.exe\"; filename=\"a.txt\""), AMBIGUOUS),
                new Case("filename twice, .exe last", part("Content-Disposition: attachment; filename=\"a.txt\"; filename=\"a.exe\""),
                        AMBIGUOUS),
                new Case("FILENAME and filename", part("Content-Disposition: attachment; FILENAME=\"a.exe\"; filename=\"a.txt\""),
                        AMBIGUOUS),
                new Case("name twice in Content-Type", partTyped("application/octet-stream; name=\"a.exe\"; name=\"a.txt\"", null),
                        AMBIGUOUS),
                new Case("filename*0 twice", part("Content-Disposition: attachment; filename*0=\"a.exe\"; filename*0=\"a.txt\""),
                        AMBIGUOUS),
                new Case("filename* and a different filename", part("Content-Disposition: attachment; filename*=utf-8''a.exe; "
                        + "filename=\"a.txt\""), AMBIGUOUS),
                new Case("name* and a different name", partTyped("application/octet-stream; name=\"a.txt\"; name*=utf-8''a.exe",
                        null), AMBIGUOUS),
                new Case("filename*0 and filename*0*", part("Content-Disposition: attachment; filename*0=\"a.txt\"; "
                        + "filename*0*=utf-8''a.exe"), AMBIGUOUS),
                new Case("sections that differ from filename", part("Content-Disposition: attachment; filename=\"a.txt\"; "
                        + "filename*0=\"a.e\"; filename*1=\"xe\""), AMBIGUOUS),
                new Case("sections with a gap", part("Content-Disposition: attachment; filename*0=\"a.\"; filename*2=\"exe\""),
                        AMBIGUOUS),
                new Case("boundary and BOUNDARY*", HEADER + "MIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"BB\"; BOUNDARY*=''XX\r\n\r\n--BB\r\n\r\nhi\r\n--BB--\r\n",
                        AMBIGUOUS),
                new Case("charset twice in a text part", HEADER + "MIME-Version: 1.0\r\n"
                        + "Content-Type: text/plain; charset=\"utf-8\"; charset=\"iso-8859-1\"\r\n\r\nhi\r\n", AMBIGUOUS),
                new Case("filename twice, folded and in another case", part("Content-Disposition: attachment;\r\n"
                        + "\tFileName=\"a.exe\";\r\n\tfilename=a.txt"), AMBIGUOUS),
                new Case("the Content-Type name, a harmless filename", partTyped("application/octet-stream; name=\"a.exe\"",
                        "attachment; filename=\"a.txt\""), BLOCKED + "a.exe"),
                new Case("a harmless name, the filename blocked", partTyped("application/octet-stream; name=\"a.txt\"",
                        "attachment; filename=\"a.exe\""), BLOCKED + "a.exe"),
                new Case("a filename parameter in Content-Type", partTyped("application/octet-stream; filename=\"a.exe\"",
                        "attachment"), BLOCKED + "a.exe"),
                new Case("a name parameter in Content-Disposition", partTyped("application/octet-stream",
                        "attachment; name=\"a.exe\""), BLOCKED + "a.exe"));
    }

    /** F2: names Windows saves under another name, and control characters. */
    static List<Case> windowsNames() {
        return List.of(
                new Case("a trailing dot", disposition("filename=\"a.exe.\""), BLOCKED + "a.exe."),
                new Case("trailing dots and spaces", disposition("filename=\"a.exe. .\""), BLOCKED + "a.exe. ."),
                new Case("upper case and two dots", disposition("filename=\"a.SCR..\""), BLOCKED + "a.SCR.."),
                new Case("RFC 2231 with a trailing dot", disposition("filename*=utf-8''a.exe."), BLOCKED + "a.exe."),
                new Case("the NTFS data stream", disposition("filename=\"a.exe::$DATA\""), BLOCKED + "a.exe::$DATA"),
                new Case("the NTFS data stream and a dot", disposition("filename=\"a.lnk::$data. \""), BLOCKED + "a.lnk::$data. "),
                new Case("a trailing backslash", disposition("filename=\"a.vbs\\\\\""), BLOCKED + "a.vbs\\"),
                new Case("a NUL in an RFC 2231 name", disposition("filename*=utf-8''a.exe%00.txt"), CONTROL),
                new Case("CR LF in an RFC 2231 name", disposition("filename*=utf-8''a.exe%0D%0A.txt"), CONTROL),
                new Case("a NUL in an RFC 2047 name", disposition("filename=\"=?utf-8?Q?a.exe=00.txt?=\""), CONTROL),
                new Case("a C1 control (NEL) in a name", disposition("filename*=utf-8''a.exe%C2%85.txt"), CONTROL),
                new Case("a NUL in the Content-Type name", partTyped("application/octet-stream; name*=utf-8''a.js%00.pdf",
                        "attachment; filename=\"a.pdf\""), CONTROL));
    }

    /** F6: files encoded inside text. */
    static List<Case> filesInText() {
        String uu = "begin 644 evil.exe\r\n" + UU_BODY;
        return List.of(
                new Case("uuencode in a plain message", HEADER + "\r\nhello\r\n" + uu, BLOCKED + "evil.exe"),
                new Case("uuencode in a text/plain part", mixed("Content-Type: text/plain\r\n\r\nhello\r\n" + uu), BLOCKED + "evil.exe"),
                new Case("uuencode in a text/html part", mixed("Content-Type: text/html\r\n\r\n<p>hi</p>\r\n" + uu),
                        BLOCKED + "evil.exe"),
                new Case("uuencode inside a base64 text part", mixed("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + base64("hello\r\n" + uu)), BLOCKED + "evil.exe"),
                new Case("uuencode inside a quoted-printable text part", mixed("Content-Type: text/plain\r\n"
                        + "Content-Transfer-Encoding: quoted-printable\r\n\r\nhello\r\nbegin 644 evil=2E=\r\nexe\r\n" + UU_BODY),
                        BLOCKED + "evil.exe"),
                new Case("uuencode with a trailing dot", HEADER + "\r\nbegin 0755 tool.scr.\r\n" + UU_BODY, BLOCKED + "tool.scr."),
                new Case("begin-base64", HEADER + "\r\nbegin-base64 644 evil.js\r\n" + EXE + "====\r\n", BLOCKED + "evil.js"),
                new Case("uuencode in a message/rfc822 part", mixed("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\n" + uu),
                        BLOCKED + "evil.exe"),
                new Case("a part in the x-uuencode transfer encoding", mixed("Content-Type: application/octet-stream; "
                        + "name=\"a.txt\"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n" + uu), BLOCKED + "evil.exe"),
                new Case("yEnc", HEADER + "\r\nhello\r\n=ybegin line=128 size=15 name=evil.exe\r\nwhatever\r\n=yend size=15\r\n",
                        BLOCKED + "evil.exe"),
                new Case("yEnc in a part, a name with spaces", mixed("Content-Type: text/plain\r\n\r\n"
                        + "=ybegin part=1 line=128 size=15 name=my evil.exe\r\n=ypart begin=1 end=15\r\nx\r\n=yend\r\n"),
                        BLOCKED + "my evil.exe"),
                new Case("BinHex", HEADER + "\r\nhello\r\n" + binHex("evil.exe"), BLOCKED + "evil.exe"),
                new Case("BinHex in a part, a name in runs", mixed("Content-Type: text/plain\r\n\r\n" + binHex("aaaaaaaaaa.scr")),
                        BLOCKED + "aaaaaaaaaa.scr"),
                new Case("a begin line too long to read whole", mixed("Content-Type: text/plain\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64("begin 644 " + "a".repeat(1200) + ".exe\r\n" + UU_BODY)),
                        MALFORMED));
    }

    /** F7: white space before the colon of a part's header field. */
    static List<Case> spaceBeforeColon() {
        return List.of(
                new Case("Content-Type :", mixed("Content-Type : application/octet-stream; name=\"a.exe\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + EXE), BLOCKED + "a.exe"),
                new Case("Content-Disposition :", mixed("Content-Type: application/octet-stream\r\n"
                        + "Content-Disposition : attachment; filename=\"a.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + EXE),
                        BLOCKED + "a.exe"),
                new Case("a tab before the colon", mixed("Content-Type\t: application/x-msdownload\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + EXE), BLOCKED + "application/x-msdownload"),
                new Case("two Content-Types, one spelled with a space", mixed("Content-Type : text/plain\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n" + EXE), AMBIGUOUS),
                new Case("a nested multipart announced with a space", mixed("Content-Type : multipart/mixed; boundary=\"in\"\r\n\r\n"
                        + "--in\r\nContent-Type: application/octet-stream; name=\"deep.exe\"\r\n\r\n" + EXE + "--in--\r\n"),
                        BLOCKED + "deep.exe"),
                new Case("Content-Transfer-Encoding : base64 over a nested message", mixed("Content-Type: message/rfc822\r\n"
                        + "Content-Transfer-Encoding : base64\r\n\r\n" + base64("Subject: inner\r\nMIME-Version: 1.0\r\n"
                        + "Content-Type: application/octet-stream; name=\"inner.exe\"\r\n\r\nMZ\r\n")), BLOCKED + "inner.exe"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("duplicateParameters")
    void refusesDuplicateParameters(Case c) throws Exception {
        refuses(gateway.inboundPort(), "sender@remote.test", "user@example.test", c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windowsNames")
    void matchesNamesAsWindowsSavesThem(Case c) throws Exception {
        refuses(gateway.inboundPort(), "sender@remote.test", "user@example.test", c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filesInText")
    void findsFilesEncodedInsideText(Case c) throws Exception {
        refuses(gateway.inboundPort(), "sender@remote.test", "user@example.test", c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spaceBeforeColon")
    void readsPartFieldsWithSpaceBeforeTheColon(Case c) throws Exception {
        refuses(gateway.inboundPort(), "sender@remote.test", "user@example.test", c);
    }

    /** Ambiguity is a matter of structure: every listener with a chain refuses it, whatever its checks. */
    @Test
    void refusesDuplicateParametersOnAChainWithoutAttachmentRules() throws Exception {
        refuses(gateway.port("outbound"), "user@example.test", "someone@remote.test", duplicateParameters().getFirst());
        refuses(gateway.port("outbound"), "user@example.test", "someone@remote.test",
                new Case("filename twice", part("Content-Disposition: attachment; filename=\"a.exe\"; filename=\"a.txt\""),
                        AMBIGUOUS));
    }

    static List<Case> accepted() {
        return List.of(
                new Case("a.txt", disposition("filename=\"a.txt\""), "250 2.0.0"),
                new Case("report.pdf in both fields", partTyped("application/pdf; name=\"report.pdf\"",
                        "attachment; filename=\"report.pdf\""), "250 2.0.0"),
                new Case("dots inside the name", disposition("filename=\"v1.2.exe.txt\""), "250 2.0.0"),
                new Case("a trailing dot after a harmless extension", disposition("filename=\"notes.txt.\""), "250 2.0.0"),
                new Case("the same parameter twice with the same value", disposition("filename=\"a.txt\"; filename=\"a.txt\""),
                        "250 2.0.0"),
                new Case("filename and an equal filename*", disposition("filename=\"report.pdf\"; filename*=utf-8''report.pdf"),
                        "250 2.0.0"),
                new Case("RFC 2231 sections", disposition("filename*0=\"v1.2\"; filename*1=\".exe.txt\""), "250 2.0.0"),
                new Case("RFC 2231 sections and an equal filename", disposition("filename=\"ab.txt\"; filename*0*=utf-8''a; "
                        + "filename*1=\"b.txt\""), "250 2.0.0"),
                new Case("a name folded inside its quotes", disposition("filename=\"annual\r\n\treport.pdf\""), "250 2.0.0"),
                new Case("uuencoded text file", HEADER + "\r\nhello\r\nbegin 644 notes.txt\r\n" + UU_BODY, "250 2.0.0"),
                new Case("prose that begins like uuencode", HEADER + "\r\nbegin with the setup.exe installer\r\n"
                        + "begin 644\r\n(This file must be converted with BinHex 4.0)\r\nno data here: setup.exe\r\n", "250 2.0.0"),
                new Case("yEnc of a photo", HEADER + "\r\n=ybegin line=128 size=3 name=photo.jpg\r\nabc\r\n=yend size=3\r\n",
                        "250 2.0.0"),
                new Case("BinHex of a document", HEADER + "\r\n" + binHex("letter.doc"), "250 2.0.0"),
                new Case("uuencode in an attachment that is no text", mixed("Content-Type: application/octet-stream; "
                        + "name=\"dump.bin\"\r\n\r\nbegin 644 evil.exe\r\n" + UU_BODY), "250 2.0.0"),
                new Case("a plain message", HEADER + "\r\nhello\r\n", "250 2.0.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptsOrdinaryAttachments(Case c) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            String id = smtp.transaction("sender@remote.test", "user@example.test", c.message(), c.reply());
            assertThat(gateway.queued()).contains(id);
        }
    }

    /** A listener without attachment rules does not look into text. */
    @Test
    void leavesEncodedTextAloneWithoutAttachmentRules() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            String id = smtp.transaction("user@example.test", "someone@remote.test",
                    HEADER + "\r\nbegin 644 evil.exe\r\n" + UU_BODY, "250 2.0.0");
            assertThat(gateway.queued()).contains(id);
        }
    }

    private static void refuses(int port, String from, String to, Case c) throws Exception {
        int queuedBefore = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.transaction(from, to, c.message(), c.reply());
            assertThat(smtp.lastReply()).isEqualTo(c.reply() + "\r\n");
            smtp.send("NOOP").expect("250 2.0.0"); // the session goes on
        }
        assertThat(gateway.queued()).hasSize(queuedBefore); // nothing queued
        assertThat(gateway.incomingFiles()).isEmpty();
        try (SmtpScript smtp = SmtpScript.connect(port)) { // and a fresh client is served
            smtp.expect("220").send("EHLO fresh.test").expect("250");
            String id = smtp.sendMessage(from, to, HEADER + "\r\nfine\r\n");
            assertThat(gateway.queued()).hasSize(queuedBefore + 1).contains(id);
        }
    }

    /** A part of type application/octet-stream with the given extra field, in a multipart/mixed. */
    private static String part(String field) {
        return mixed("Content-Type: application/octet-stream\r\n" + field + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + EXE);
    }

    private static String disposition(String parameters) {
        return part("Content-Disposition: attachment; " + parameters);
    }

    private static String partTyped(String type, String disposition) {
        return mixed("Content-Type: " + type + "\r\n" + (disposition == null ? "" : "Content-Disposition: " + disposition + "\r\n")
                + "Content-Transfer-Encoding: base64\r\n\r\n" + EXE);
    }

    /** A multipart/mixed message (boundary BB) of a text part and then the given part (fields, blank line, body). */
    private static String mixed(String part) {
        return HEADER + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
                + "--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--BB\r\n" + part + "\r\n--BB--\r\n";
    }

    private static String base64(String text) {
        return Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    /**
     * A BinHex 4.0 block (RFC 1741) for a file of that name: the marker line, then the header
     * (name length, name, version, type, creator, flags, lengths, CRC) and a little data,
     * run-length encoded (0x90) and in 6-bit characters, 64 to a line between colons.
     */
    static String binHex(String name) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        plain.write(name.length());
        plain.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        plain.write(0);
        plain.writeBytes("TEXTMSWD".getBytes(StandardCharsets.US_ASCII));
        plain.writeBytes(new byte[] {0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x12, 0x34, 'M', 'Z', 1, 2, 0x56, 0x78});
        byte[] bytes = plain.toByteArray();
        ByteArrayOutputStream runs = new ByteArrayOutputStream();
        for (int i = 0; i < bytes.length; ) {
            int run = 1;
            while (i + run < bytes.length && bytes[i + run] == bytes[i] && run < 255) {
                run++;
            }
            runs.write(bytes[i]);
            if ((bytes[i] & 0xff) == 0x90) {
                runs.write(0);
            }
            if (run > 2) {
                runs.write(0x90);
                runs.write(run);
                i += run;
            } else {
                i++;
            }
        }
        String alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
        byte[] data = runs.toByteArray();
        StringBuilder encoded = new StringBuilder(":");
        int bits = 0;
        int count = 0;
        for (byte b : data) {
            bits = bits << 8 | (b & 0xff);
            count += 8;
            while (count >= 6) {
                count -= 6;
                encoded.append(alphabet.charAt(bits >> count & 0x3f));
            }
        }
        if (count > 0) {
            encoded.append(alphabet.charAt(bits << (6 - count) & 0x3f));
        }
        encoded.append(':');
        StringBuilder lines = new StringBuilder("(This file must be converted with BinHex 4.0)\r\n\r\n");
        for (int i = 0; i < encoded.length(); i += 64) {
            lines.append(encoded, i, Math.min(encoded.length(), i + 64)).append("\r\n");
        }
        return lines.toString();
    }
}
