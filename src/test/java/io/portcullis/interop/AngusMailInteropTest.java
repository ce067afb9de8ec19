package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.TestGateway;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Angus Mail (Jakarta Mail), the Java client an internal application would use. */
class AngusMailInteropTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private static Session session(boolean requireTls) {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", String.valueOf(gateway.inboundPort()));
        properties.put("mail.smtp.localhost", "app.example.test");
        properties.put("mail.smtp.starttls.enable", String.valueOf(requireTls));
        properties.put("mail.smtp.starttls.required", String.valueOf(requireTls));
        properties.put("mail.smtp.ssl.trust", "*");
        properties.put("mail.smtp.timeout", "10000");
        properties.put("mail.smtp.connectiontimeout", "10000");
        return Session.getInstance(properties);
    }

    private static MimeMessage message(Session session, String subject) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("app@example.org"));
        message.setRecipients(Message.RecipientType.TO, "x@example.test, y@example.test");
        message.setSubject(subject, "UTF-8");
        message.setText("Grüße aus Java\n.a line with a leading dot\n", "UTF-8");
        return message;
    }

    @Test
    void messageOverStartTlsIsQueuedForEveryRecipient() throws Exception {
        int before = gateway.queued().size();
        Session session = session(true);
        Transport.send(message(session, "über TLS"));
        assertThat(gateway.queued()).hasSize(before + 1);
        String id = gateway.queued().getLast();
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.client().tlsProtocol()).startsWith("TLSv1.");
        assertThat(envelope.recipients()).extracting(Envelope.Recipient::address)
                .containsExactly("x@example.test", "y@example.test");
        assertThat(gateway.messageWithoutOurReceived(id)).contains("\r\n.a line with a leading dot\r\n");
    }

    @Test
    void serverRefusalReachesTheClientAsAnException() {
        Properties properties = session(false).getProperties();
        properties.put("mail.smtp.from", "bad address@@example.org");
        Session session = Session.getInstance(properties);
        assertThatThrownBy(() -> Transport.send(message(session, "refused")))
                .isInstanceOf(MessagingException.class).hasStackTraceContaining("501");
    }
}
