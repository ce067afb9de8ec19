package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Postfix's load generator: 2000 messages over 20 parallel sessions, none lost, none doubled. */
class SmtpSourceInteropTest {

    @Test
    void twoThousandMessagesFromTwentySessionsAreAllQueuedOnce() throws Exception {
        String smtpSource = ExternalProgram.require("smtp-source", "postfix");
        try (TestGateway gateway = TestGateway.start("max-connections-per-ip: 100\n")) {
            // -N makes every recipient unique, so a lost or doubled message shows in the set below.
            ExternalProgram.Result result = ExternalProgram.run(Duration.ofMinutes(3), smtpSource,
                    "-s", "20", "-m", "2000", "-N", "-l", "1024", "-f", "sender@example.org", "-t", "rcpt@example.test",
                    "127.0.0.1:" + gateway.inboundPort());
            assertThat(result.exitCode()).as(result.output()).isZero();

            assertThat(gateway.queued()).hasSize(2000);
            Set<String> recipients = new HashSet<>();
            for (String id : gateway.queued()) {
                Envelope envelope = gateway.envelope(id);
                assertThat(envelope.recipients()).hasSize(1);
                recipients.add(envelope.recipients().getFirst().address());
                assertThat(gateway.message(id).length).isEqualTo(envelope.size());
            }
            assertThat(recipients).hasSize(2000);
            assertThat(gateway.incomingFiles()).isEmpty();
        }
    }
}
