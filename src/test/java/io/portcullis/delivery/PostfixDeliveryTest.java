package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.PostfixInstance;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** A real Postfix as the internal mail server, with 8BITMIME switched off: the 7-bit conversion. */
class PostfixDeliveryTest {

    @Test
    void eightBitMailReachesAPostfixWithout8bitmimeConvertedAndIntact() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.start("smtpd_discard_ehlo_keywords = 8bitmime");
             TestGateway gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                     domains: [example.test]
                     connectors:
                       - name: internal
                         type: smarthost
                         hosts: ["127.0.0.1:%d"]
                     routes:
                       - domains: [example.test]
                         connector: internal
                     """.formatted(postfix.port())))) {
            String content = "From: a@example.org\r\nTo: b@example.test\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + "Smørrebrød og æblegrød\r\n--p--\r\n";
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.send("MAIL FROM:<a@example.org> BODY=8BITMIME").expect("250 2.1.0");
                smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw(content + ".\r\n").expect("250 2.0.0 OK queued as");
            }
            var deliveries = postfix.awaitDelivered(1, 20);
            assertThat(deliveries).as("delivered; maillog:\n" + postfix.maillog()).hasSize(1);
            Path delivered = deliveries.getFirst();
            byte[] bytes = Files.readAllBytes(delivered);
            for (byte b : bytes) {
                assertThat(b).as("7-bit octet").isGreaterThanOrEqualTo((byte) 0);
            }
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), Files.newInputStream(delivered));
            Object text = ((Multipart) message.getContent()).getBodyPart(0).getContent();
            assertThat(text.toString().strip()).isEqualTo("Smørrebrød og æblegrød");
            assertThat(postfix.maillog()).contains("discarding EHLO keywords: 8BITMIME", "status=sent");
        }
    }
}
