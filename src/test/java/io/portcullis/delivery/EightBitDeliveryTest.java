package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * 8-bit and UTF-8 mail towards a next hop that lacks the extensions (smtp-sink -8 announces
 * neither 8BITMIME nor SMTPUTF8): the 8-bit body is converted to 7 bit without changing what it
 * says; an address that needs SMTPUTF8 bounces with 5.6.7.
 */
class EightBitDeliveryTest {
    private static final String MULTIPART = """
            From: a@example.org\r
            To: b@example.test\r
            Subject: umlauts\r
            Message-ID: <eight@example.org>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="XYZ"\r
            \r
            preamble\r
            --XYZ\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Grüße aus Köln, 100 € bitte.\r
            ..a line with a dot\r
            --XYZ\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \u00ff\u00fe binary-ish\r
            --XYZ--\r
            """;

    private static void send(TestGateway gateway, String mailParameters, String recipient, String content) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>" + mailParameters).expect("250 2.1.0");
            smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content + ".\r\n").expect("250 2.0.0 OK queued as");
        }
    }

    @Test
    void eightBitBodyIsConvertedToSevenBitForANextHopWithout8bitmime() throws Exception {
        try (SmtpSink sink = SmtpSink.start(0, "-8"); TestGateway gateway = SmtpSinkDeliveryTest.gatewayTo(sink.port(), "")) {
            send(gateway, " BODY=8BITMIME", "b@example.test", MULTIPART);
            String dump = sink.awaitTransactions(1, 10).getFirst();
            byte[] bytes = dump.getBytes(StandardCharsets.ISO_8859_1);
            for (byte b : bytes) {
                assertThat(b).as("7-bit octet").isGreaterThanOrEqualTo((byte) 0);
            }
            MimeMessage received = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
            assertThat(received.getMessageID()).isEqualTo("<eight@example.org>");
            Multipart parts = (Multipart) received.getContent();
            Part text = parts.getBodyPart(0);
            // smtp-sink writes its dump with LF line ends, so compare the text without CRs
            assertThat(text.getContent().toString().replace("\r", "")).isEqualTo("Grüße aus Köln, 100 € bitte.\n.a line with a dot");
            assertThat(dump).contains("Content-Transfer-Encoding: quoted-printable");
            byte[] binary = parts.getBodyPart(1).getInputStream().readAllBytes();
            assertThat(new String(binary, StandardCharsets.UTF_8)).isEqualTo("\u00ff\u00fe binary-ish");
        }
    }

    @Test
    void eightBitBodyTravelsUnchangedWhenTheNextHopOffers8bitmime() throws Exception {
        try (SmtpSink sink = SmtpSink.start(0); TestGateway gateway = SmtpSinkDeliveryTest.gatewayTo(sink.port(), "")) {
            send(gateway, " BODY=8BITMIME", "b@example.test", MULTIPART);
            String dump = new String(sink.awaitTransactions(1, 10).getFirst().getBytes(StandardCharsets.ISO_8859_1),
                    StandardCharsets.UTF_8);
            assertThat(dump).contains("Grüße aus Köln, 100 € bitte.", "X-Mail-Args: <a@example.org> BODY=8BITMIME");
        }
    }

    @Test
    void addressThatNeedsSmtpUtf8BouncesWith567() throws Exception {
        try (SmtpSink sink = SmtpSink.start(0, "-8"); TestGateway gateway = SmtpSinkDeliveryTest.gatewayTo(sink.port(), "")) {
            send(gateway, " SMTPUTF8", "jürgen@example.test", "Subject: utf8\r\n\r\nx\r\n");
            String dsn = SmtpSinkDeliveryTest.awaitBounce(gateway);
            assertThat(dsn).contains("Status: 5.6.7", "jürgen@example.test");
            assertThat(sink.transactions()).isEmpty();
        }
    }
}
