package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Spool;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Greylisting state survives a SIGKILL of the gateway process: a triplet first seen before the
 * kill passes after the delay in the restarted process (the append reached the kernel before the
 * 451), and a passed triplet stays passed across a second kill. Real time here (a separate JVM has
 * the system clock), so the delay is two seconds.
 */
class GreylistCrashProcessTest {
    private static final long DELAY_MILLIS = 2000;

    @TempDir
    Path directory;

    @Test
    void greylistingStateSurvivesSigkill() throws Exception {
        String yaml = TestGateway.defaultYaml("");
        yaml = yaml.replace("  - name: outbound\n", "    phases:\n      rcpt: [greylist]\n  - name: outbound\n")
                + "phase-checks:\n  - name: greylist\n    type: greylist\n    delay: 2s\n    window: 1h\n";
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        Path data = directory.resolve("data");
        long firstSeen;
        try (GatewayProcess gateway = GatewayProcess.start(config, data)) {
            firstSeen = System.nanoTime();
            assertThat(rcpt(gateway)).startsWith("451 4.7.1 Greylisted, please try again later");
            gateway.kill();
        }
        try (GatewayProcess restarted = GatewayProcess.start(config, data)) {
            long waited = (System.nanoTime() - firstSeen) / 1_000_000;
            if (waited < DELAY_MILLIS + 500) {
                Thread.sleep(DELAY_MILLIS + 500 - waited); // pacing our own retry past the delay
            }
            try (SmtpScript smtp = SmtpScript.connect(restarted.inboundPort())) {
                smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
                smtp.sendMessage("alice@sender.test", "bob@example.test", "Subject: retried\r\n\r\nhello\r\n");
            }
            restarted.kill();
        }
        try (GatewayProcess again = GatewayProcess.start(config, data)) {
            assertThat(rcpt(again)).startsWith("250 2.1.5");
            assertThat(new Spool(data.resolve("spool"), 0).queuedIds()).hasSize(1);
        }
    }

    private static String rcpt(GatewayProcess gateway) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@sender.test>").expect("250 2.1.0");
            return smtp.send("RCPT TO:<bob@example.test>").readReply();
        }
    }
}
