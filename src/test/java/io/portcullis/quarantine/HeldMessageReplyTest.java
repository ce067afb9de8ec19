package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.Test;

/**
 * A message held in the quarantine at DATA is accepted (250: the gateway has taken it) but the
 * reply does not claim it was queued for delivery, and does not tell the sender it was held; it
 * keeps the id, which names the quarantine entry. An ordinary message still hears "queued as".
 */
class HeldMessageReplyTest {
    @Test
    void heldMessageIsAcceptedWithItsIdButNotQueued() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml(""))) {
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
                smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw(QuarantineStoreTest.BULK + ".\r\n");
                String reply = smtp.expect("250 2.0.0 OK accepted as ").lastReply();
                assertThat(reply).doesNotContainIgnoringCase("queued").doesNotContainIgnoringCase("quarantin");
                String id = smtp.queueId();
                assertThat(gateway.quarantine().entry(id).held()).containsExactly("user@example.test");

                smtp.send("MAIL FROM:<friend@remote.test>").expect("250 2.1.0"); // the session goes on
                smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw("Subject: lunch\r\n\r\nnoon?\r\n.\r\n");
                smtp.expect("250 2.0.0 OK queued as ");
                smtp.send("QUIT").expect("221 2.0.0");
            }
            assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(1);
        }
    }
}
