package io.portcullis.app;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP makes a running gateway re-read its configuration file. */
class SighupProcessTest {
    @TempDir
    Path directory;

    private static boolean acceptsTwoRecipients(int port) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<one@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<two@example.test>");
            return smtp.readReply().startsWith("250");
        }
    }

    @Test
    void sighupAppliesTheChangedFile() throws Exception {
        String base = TestGateway.defaultYaml("");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), base.replace("max-errors: 10", "max-recipients: 1"));
        try (GatewayProcess gateway = GatewayProcess.start(config, directory.resolve("data"))) {
            if (acceptsTwoRecipients(gateway.inboundPort())) {
                throw new AssertionError("the first configuration allows one recipient only");
            }
            Files.writeString(config, base.replace("max-errors: 10", "max-recipients: 2"));
            gateway.signal("HUP");
            try {
                Eventually.await(Duration.ofSeconds(60), "SIGHUP applies the new recipient limit",
                        () -> acceptsTwoRecipients(gateway.inboundPort()));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the gateway printed:\n" + String.join("\n", gateway.output()), e);
            }
        }
    }
}
