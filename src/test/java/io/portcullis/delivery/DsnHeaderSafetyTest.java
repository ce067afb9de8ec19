package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.smtp.Replies;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, finding 5, the second line of defence: the session no longer admits ENVID or ORCPT
 * values with control characters, but a spool record written before that check may still hold
 * them. The DSN writes such a value with its control characters as xtext escapes, so it stays one
 * header line and cannot add header fields or MIME parts of the client's choice.
 */
class DsnHeaderSafetyTest {
    @TempDir
    Path directory;

    @Test
    void controlCharactersFromAnOldSpoolRecordNeverBreakTheReportHeader() throws Exception {
        Path content = Files.writeString(directory.resolve("message"), "Subject: hi\r\n\r\nbody\r\n");
        String envid = "x\r\nBcc: victim@example.org\r\n\r\n--injected";
        String orcpt = "rfc822;b@example.test\nX-Injected: yes\u0000\u007f\u001b";
        Envelope.Recipient recipient = new Envelope.Recipient("b@example.test", List.of("SUCCESS"), orcpt);
        Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, "ID1", "inbound", "inbound", Instant.now(),
                new Envelope.Client("192.0.2.1", 25, "client.test", "ESMTP", null, null, null),
                "forged@example.org", null, "7BIT", false, "HDRS", envid, List.of(recipient), Files.size(content),
                null, null);
        byte[] report = DeliveryStatusNotification.build("gateway.test", envelope,
                new StoredMessage(content, Files.size(content)), DeliveryStatusNotification.Action.DELIVERED,
                List.of(new DeliveryStatusNotification.Entry(recipient,
                        RecipientResult.of("b@example.test", Replies.OK, "drop:x"))), 1 << 20);
        String text = new String(report, StandardCharsets.UTF_8);

        assertThat(text).contains("Original-Envelope-Id: x+0D+0ABcc: victim@example.org+0D+0A+0D+0A--injected\r\n");
        assertThat(text).contains("Original-Recipient: rfc822; b@example.test+0AX-Injected: yes+00+7F+1B\r\n");
        assertThat(text).doesNotContain("\r\nBcc:").doesNotContain("\nX-Injected").doesNotContain("\n--injected");
        assertThat(text.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u0000");
    }
}
