package io.portcullis.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.Test;

/** A message refused after its data is found by its sender and recipients in the tracking log, like queued mail. */
class RefusalTrackingTest {
    @Test
    void aMessageRefusedAfterItsDataIsTrackedWithItsEnvelope() throws Exception {
        try (TestGateway gateway = TestGateway.start("max-message-size: 1KB")) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
                smtp.expect("220").send("EHLO client.example.org").expect("250 ");
                smtp.send("MAIL FROM:<big@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<one@example.test>").expect("250 2.1.5");
                smtp.send("RCPT TO:<two@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw("Subject: big\r\n\r\n" + "x".repeat(2000) + "\r\n.\r\n").expect("552 5.3.4");
            }
            assertThat(gateway.trackedRefusals()).singleElement().satisfies(event -> {
                assertThat(event.sender()).isEqualTo("big@example.org");
                assertThat(event.recipients()).containsExactly("one@example.test", "two@example.test");
                assertThat(event.helo()).isEqualTo("client.example.org");
                assertThat(event.reason()).isEqualTo("size");
                assertThat(event.reply()).startsWith("552 5.3.4");
            });
        }
    }
}
