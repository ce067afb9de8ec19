package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A milter phase check against a milter that misbehaves after a normal negotiation
 * (src/test/resources/milter/hostile_milter.py, the wire protocol by hand): a 2 GB packet, a flood
 * of PROGRESS packets, a "250" reply code, an unknown reply. Each is a failure of the milter, so the
 * check's on-failure (tempfail) applies at once: 421 4.7.1 before the banner, well within the
 * timeout; nothing is queued and another listener of the gateway goes on serving.
 */
class HostileMilterTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"huge", "flood", "badreply", "garbage"})
    void aMisbehavingMilterIsAFailure(String mode) throws Exception {
        Path directory = Files.createTempDirectory("hostile-milter");
        Path script = directory.resolve("hostile_milter.py");
        try (InputStream in = HostileMilterTest.class.getResourceAsStream("/milter/hostile_milter.py")) {
            Files.write(script, in.readAllBytes());
        }
        int port = SmtpSink.freePort();
        Process milter = new ProcessBuilder("/usr/bin/python3", script.toString(), mode, String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(directory.resolve("milter.out").toFile()).start();
        try {
            Eventually.listening(Duration.ofSeconds(30), "hostile milter", port, milter,
                    () -> Files.readString(directory.resolve("milter.out")));
            String yaml = MilterPhaseCheckTest.withPhases(TestGateway.defaultYaml(""), """
                    phases:
                      connect: [hostile]
                    """) + """
                    phase-checks:
                      - name: hostile
                        type: milter
                        address: 127.0.0.1:%d
                        timeout: 20s
                    """.formatted(port);
            try (TestGateway gateway = TestGateway.startYaml(yaml)) {
                long start = System.nanoTime();
                try (SmtpScript smtp = gateway.connect()) {
                    smtp.expect("421 4.7.1 Service unavailable - try again later");
                    smtp.expectClosed();
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed, not timed out")
                        .isLessThan(Duration.ofSeconds(15));
                try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
                    smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
                    smtp.sendMessage("user@example.test", "someone@remote.test", "Subject: still here\r\n\r\nx\r\n");
                }
                assertThat(gateway.queued()).hasSize(1);
            }
        } finally {
            milter.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
