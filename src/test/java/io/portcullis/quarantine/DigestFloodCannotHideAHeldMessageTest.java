package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.CliAccess;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import io.portcullis.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hostile sender floods a recipient with more held spam than one digest lists: the message held
 * for that recipient before the flood must still reach a digest. The digest listed the newest
 * {@value QuarantineDigests#MAX_LISTED} and counted every other as sent, so the older message was
 * in no digest, then or later.
 */
class DigestFloodCannotHideAHeldMessageTest {
    static String digest(Path data) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CliAccess.run(List.of("quarantine", "digest", "--data-dir", data.toString()), new PrintWriter(out),
                new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void aMessageHeldBeforeAFloodReachesADigest() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("""
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test
                """.formatted(QuarantineReviewTest.TOKEN)))) {
            QuarantineReviewTest.hold(gateway, "partner@remote.test", "user@example.test",
                    "Subject: the signed contract\r\n\r\nhere\r\n");
            Thread.sleep(20); // the flood arrives later
            for (int i = 0; i < QuarantineDigests.MAX_LISTED + 20; i++) {
                QuarantineReviewTest.hold(gateway, "flood@remote.test", "user@example.test", "Subject: offer " + i + "\r\n\r\nbuy\r\n");
            }
            assertThat(digest(gateway.dataDirectory())).contains("queued 1 digests");
            String second = digest(gateway.dataDirectory());
            Eventually.await(Duration.ofSeconds(60), "the digests delivered", () -> gateway.queued().isEmpty());
            List<String> texts = new java.util.ArrayList<>();
            for (Path file : QuarantineStoreTest.dropped(gateway)) {
                texts.add(Files.readString(file));
            }
            assertThat(String.join("\n", texts)).as(second).contains("Subject: the signed contract");
            // every held message was listed once over the two digests
            assertThat(String.join("\n", texts).split("\r\n  Release: ", -1)).hasSize(QuarantineDigests.MAX_LISTED + 22);
        }
    }
}
