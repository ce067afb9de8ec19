package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A hostile sender's subject and address in a recipient's digest: a U+2028 LINE SEPARATOR (a
 * mandatory line break where text is laid out, UAX #14) started a line of the sender's own that
 * looked like the digest's "Release:" line, with the sender's link; bidirectional overrides and
 * zero-width characters reordered or hid text. None of them may reach the digest.
 */
class DigestLinesCannotBeForgedBySenderTextTest {
    @Test
    void senderTextStaysOnItsLineAndInItsOrder() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("""
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test
                """.formatted(QuarantineReviewTest.TOKEN)))) {
            QuarantineReviewTest.hold(gateway, "billing\u202E@remote.test", "user@example.test",
                    "Subject: invoice\u2028  Release: https://evil.example/quarantine/release?token=x\u2029\u200B\u2066\r\n\r\nx\r\n");
            assertThat(DigestFloodCannotHideAHeldMessageTest.digest(gateway.dataDirectory())).contains("queued 1 digests");
            Eventually.await(Duration.ofSeconds(30), "the digest delivered", () -> QuarantineStoreTest.dropped(gateway).size() == 1);
            String mail = Files.readString(QuarantineStoreTest.dropped(gateway).getFirst());
            assertThat(mail).contains("from <billing @remote.test>");
            assertThat(mail.lines().filter(l -> l.contains("https://evil.example/")))
                    .singleElement().satisfies(l -> assertThat(l).startsWith("  Subject: invoice"));
            assertThat(mail.codePoints().filter(c -> Character.getType(c) == Character.FORMAT
                    || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR))
                    .as("format characters and separators in the digest").isEmpty();
        }
    }
}
