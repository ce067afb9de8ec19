package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** swaks, the Swiss army knife for SMTP, against a real gateway: plain, STARTTLS, pipelining. */
class SwaksInteropTest {
    private static final Pattern QUEUED = Pattern.compile("<[-~]  250 2\\.0\\.0 OK queued as ([0-9A-Z]+(?:-[a-z0-9-]+)?)");
    private static TestGateway gateway;
    private static String swaks;

    @BeforeAll
    static void start() throws Exception {
        swaks = ExternalProgram.require("swaks", "swaks");
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private String swaks(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(swaks, "--server", "127.0.0.1:" + gateway.inboundPort(),
                "--to", "a@example.test", "--from", "sender@example.org", "--helo", "client.test"));
        command.addAll(List.of(options));
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(30), command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        Matcher m = QUEUED.matcher(result.output());
        assertThat(m.find()).as(result.output()).isTrue();
        return m.group(1);
    }

    @Test
    void plainSessionIsQueuedWithItsEnvelope() throws Exception {
        String id = swaks("--header", "Subject: plain");
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.sender()).isEqualTo("sender@example.org");
        assertThat(envelope.recipients()).extracting(Envelope.Recipient::address).containsExactly("a@example.test");
        assertThat(envelope.client().protocol()).isEqualTo("ESMTP");
        assertThat(gateway.messageWithoutOurReceived(id)).contains("Subject: plain\r\n");
    }

    @Test
    void startTlsSessionIsQueuedAndRecorded() throws Exception {
        String id = swaks("--tls", "--header", "Subject: secret");
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.client().protocol()).isEqualTo("ESMTPS");
        assertThat(envelope.client().tlsProtocol()).startsWith("TLSv1.");
    }

    @Test
    void pipelinedSessionWithDotStuffedBodyArrivesIntact() throws Exception {
        String body = "first line\n.starts with a dot\n..two dots\n.\nend";
        String id = swaks("--pipeline", "--body", body);
        assertThat(gateway.messageWithoutOurReceived(id))
                .contains("\r\n\r\nfirst line\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\n");
    }
}
