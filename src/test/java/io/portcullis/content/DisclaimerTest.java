package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The outbound disclaimer on each shape of message, once per reply chain, never on other domains. */
class DisclaimerTest {
    private static final String TEXT = "This message is confidential and meant for its addressees only.";
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: disclaimer
                  type: disclaimer
                  sender-domains: [example.test]
                  text: "%s"
                """.formatted(TEXT), "", """
                content:
                  chain: [disclaimer]
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void appendsToPlainTextOnceAndKeepsTheMessageId() throws Exception {
        String stored = send("From: user@example.test\r\nSubject: hi\r\nMessage-ID: <keep-me@example.test>\r\n\r\nHello there.\r\n");
        assertThat(stored).contains("Message-ID: <keep-me@example.test>\r\n");
        assertThat(stored).startsWith("Received: from ");
        MimeMessage mime = parse(stored);
        assertThat((String) mime.getContent()).isEqualTo("Hello there.\r\n\r\n" + TEXT + "\r\n");
    }

    @Test
    void appendsToBothHalvesOfAnAlternative() throws Exception {
        String stored = send("From: user@example.test\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
                + "--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello.\r\n"
                + "--alt\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><p>Hello.</p></body></html>\r\n--alt--\r\n");
        Multipart alternative = (Multipart) parse(stored).getContent();
        assertThat((String) alternative.getBodyPart(0).getContent()).isEqualTo("Hello.\r\n\r\n" + TEXT + "\r\n");
        assertThat((String) alternative.getBodyPart(1).getContent())
                .isEqualTo("<html><body><p>Hello.</p><p>" + TEXT + "</p>\r\n</body></html>");
    }

    @Test
    void leavesAReplyQuotingTheDisclaimerAlone() throws Exception {
        String message = "From: user@example.test\r\nSubject: Re: hi\r\n\r\nThanks!\r\n\r\n> Hello there.\r\n>\r\n> This message is\r\n"
                + "> confidential and meant for its addressees only.\r\n";
        String stored = send(message);
        assertThat(stored.substring(stored.indexOf("From: "))).isEqualTo(message);
    }

    @Test
    void wrapsASignedMessageWithoutTouchingIt() throws Exception {
        String signed = "--sig\r\nContent-Type: text/plain\r\n\r\nSigned words.\r\n"
                + "--sig\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIB\r\n--sig--\r\n";
        String stored = send("From: user@example.test\r\nSubject: signed\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
                + "protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n\r\n" + signed);
        MimeMessage mime = parse(stored);
        assertThat(mime.getContentType()).startsWith("multipart/mixed");
        Multipart mixed = (Multipart) mime.getContent();
        assertThat(mixed.getCount()).isEqualTo(2);
        assertThat(mixed.getBodyPart(0).getContentType()).startsWith("multipart/signed");
        assertThat(stored).contains(signed); // the signed content, byte for byte
        assertThat((String) mixed.getBodyPart(1).getContent()).isEqualTo(TEXT + "\r\n");
    }

    @Test
    void addsATextPartAfterAnAttachmentOnlyMessage() throws Exception {
        String stored = send("From: user@example.test\r\nSubject: file\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\nContent-Type: application/pdf; name=a.pdf\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--mix--\r\n");
        Multipart mixed = (Multipart) parse(stored).getContent();
        assertThat(mixed.getCount()).isEqualTo(2);
        assertThat((String) mixed.getBodyPart(1).getContent()).isEqualTo(TEXT + "\r\n");
    }

    @Test
    void leavesOtherSenderDomainsAlone() throws Exception {
        String message = "From: someone@partner.test\r\nSubject: hi\r\n\r\nHello.\r\n";
        String stored = send(message);
        assertThat(stored.substring(stored.indexOf("From: "))).isEqualTo(message);
    }

    private static String send(String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            String id = smtp.sendMessage("user@example.test", "someone@remote.test", message);
            String stored = new String(gateway.message(id), StandardCharsets.UTF_8);
            assertThat(stored.replace("\r\n", "")).as("no bare CR or LF in %s", stored).doesNotContain("\n").doesNotContain("\r");
            assertThat(gateway.envelope(id).size()).isEqualTo(gateway.message(id).length);
            return stored;
        }
    }

    private static MimeMessage parse(String stored) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(stored.getBytes(StandardCharsets.UTF_8)));
    }
}
