package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.TestGateway;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real clients authenticating on the outbound listener: swaks (PLAIN and LOGIN over STARTTLS) and Angus Mail. */
class AuthInteropTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private static ExternalProgram.Result swaks(String mechanism, String from, String password) throws Exception {
        return ExternalProgram.run(Duration.ofSeconds(30), ExternalProgram.require("swaks", "swaks"),
                "--server", "127.0.0.1:" + gateway.port("outbound"), "--tls", "--auth", mechanism,
                "--auth-user", PolicyGateway.ALICE, "--auth-password", password, "--from", from,
                "--to", "partner@example.org", "--header", "From: " + from);
    }

    @Test
    void swaksAuthenticatesWithPlainAndLoginAndIsHeldToItsAddress() throws Exception {
        ExternalProgram.Result plain = swaks("PLAIN", PolicyGateway.ALICE, PolicyGateway.ALICE_PASSWORD);
        assertThat(plain.exitCode()).as(plain.output()).isZero();
        assertThat(plain.output()).contains("235 2.7.0", "250 2.0.0 OK queued as");
        ExternalProgram.Result login = swaks("LOGIN", PolicyGateway.ALICE, PolicyGateway.ALICE_PASSWORD);
        assertThat(login.output()).contains("235 2.7.0", "250 2.0.0 OK queued as");
        ExternalProgram.Result foreign = swaks("PLAIN", "ceo@example.test", PolicyGateway.ALICE_PASSWORD);
        assertThat(foreign.output()).contains("553 5.7.1");
        ExternalProgram.Result wrong = swaks("PLAIN", PolicyGateway.ALICE, "not the password");
        assertThat(wrong.output()).contains("535 5.7.8");
    }

    @Test
    void angusMailAuthenticatesOverStartTls() throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", String.valueOf(gateway.port("outbound")));
        properties.put("mail.smtp.auth", "true");
        properties.put("mail.smtp.starttls.enable", "true");
        properties.put("mail.smtp.starttls.required", "true");
        properties.put("mail.smtp.ssl.trust", "*");
        properties.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(properties);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(PolicyGateway.ALICE));
        message.setRecipients(Message.RecipientType.TO, "partner@example.org");
        message.setSubject("from an application");
        message.setText("hello");
        int before = gateway.queued().size();
        Transport.send(message, PolicyGateway.ALICE, PolicyGateway.ALICE_PASSWORD);
        assertThat(gateway.queued()).hasSize(before + 1);
        assertThatThrownBy(() -> Transport.send(message, PolicyGateway.ALICE, "wrong"))
                .isInstanceOf(AuthenticationFailedException.class);
    }
}
