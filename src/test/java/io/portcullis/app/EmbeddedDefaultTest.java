package io.portcullis.app;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.testing.SmtpScript;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default exactly as shipped, except that its listeners bind ephemeral ports here:
 * the inbound/outbound split a new user sees with the Quick start.
 */
class EmbeddedDefaultTest {
    @TempDir
    static Path directory;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig shipped = ConfigLoader.embeddedDefault();
        List<ListenerConfig> ephemeral = shipped.listeners().stream().map(l -> new ListenerConfig(l.name(), l.flow(),
                List.of(new InetSocketAddress("127.0.0.1", 0)), l.hostname(), l.tls(), l.limits(), l.policy(), l.content(), l.phases())).toList();
        gateway = Gateway.start(new GatewayConfig(shipped.source(), shipped.hostname(), shipped.spool(), ephemeral,
                shipped.routes(), shipped.connectors(), shipped.delivery(), shipped.directory(), shipped.trackingRetention(), io.portcullis.config.AdminConfig.OFF,
                shipped.checks(), shipped.phaseChecks(), shipped.mtaSts(), shipped.tlsReports(), shipped.shutdownTimeout(), shipped.logging(),
                shipped.quarantine(), shipped.cluster(), shipped.sharedState(), shipped.database()),
                directory.resolve("data"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static int port(String listener) {
        return gateway.listener(listener).boundAddresses().getFirst().getPort();
    }

    private static Path awaitFile(Path file) throws Exception {
        Eventually.await(Duration.ofSeconds(10), file + " exists", () -> Files.exists(file));
        return file;
    }

    @Test
    void inboundRefusesAuthAndRelayingAndDeliversOurDomainToTheDropFolder() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port("inbound"))) {
            smtp.expect("220").send("EHLO mx.example.org");
            assertThat(smtp.readReply()).contains("STARTTLS").doesNotContain("AUTH");
            smtp.send("AUTH PLAIN " + plain("", "demo@example.test", "demo")).expect("503 5.5.1");
            smtp.send("MAIL FROM:<demo@example.test>").expect("550 5.7.1");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<friend@example.org>").expect("554 5.7.1");
            smtp.send("RCPT TO:<a@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("From: someone@example.org\r\nX-Portcullis-Trusted: yes\r\nSubject: hello\r\n\r\nhi\r\n.\r\n")
                    .expect("250 2.0.0 OK queued as");
            String delivered = Files.readString(awaitFile(directory.resolve("data/drop/inbound/" + smtp.queueId() + ".eml")));
            assertThat(delivered).contains("Subject: hello").doesNotContain("X-Portcullis-Trusted");
            // the built-in rules: an executable attachment is refused in the session
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<a@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("From: someone@example.org\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
                    + "--b\r\nContent-Type: application/octet-stream; name=\"invoice.pdf.exe\"\r\n\r\nMZ\r\n--b--\r\n.\r\n")
                    .expect("554 5.7.1 Message rejected: attachment type not allowed: invoice.pdf.exe");
        }
    }

    @Test
    void outboundNeedsTheDemoUserOverStartTlsThenRelaysAsItsAddressOnly() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test");
            assertThat(smtp.readReply()).doesNotContain("AUTH");
            smtp.send("MAIL FROM:<demo@example.test>").expect("530 5.7.0");
            smtp.send("AUTH PLAIN " + plain("", "demo@example.test", "demo")).expect("530 5.7.0");
            smtp.startTls().send("EHLO internal.example.test");
            assertThat(smtp.readReply()).contains("AUTH PLAIN LOGIN");
            smtp.send("AUTH PLAIN " + plain("", "demo@example.test", "demo")).expect("235 2.7.0");
            smtp.send("MAIL FROM:<boss@example.test>").expect("553 5.7.1");
            String id = smtp.sendMessage("demo@example.test", "anyone@example.org",
                    "From: Demo <demo@example.test>\r\nSubject: out\r\n\r\nx\r\n");
            String sent = Files.readString(awaitFile(directory.resolve("data/drop/outbound/" + id + ".eml")));
            // stamped with the disclaimer, then signed with both generated keys
            assertThat(sent).contains("This message was sent from example.test through Portcullis.");
            assertThat(sent).contains("DKIM-Signature: v=1; a=rsa-sha256;").contains("DKIM-Signature: v=1; a=ed25519-sha256;");
            assertThat(directory.resolve("data/dkim/portcullis-rsa._domainkey.example.test.rsa.txt")).exists();
        }
    }
}
