package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.CliAccess;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Without {@code digest.domains}, digests go to recipients in the gateway's own {@code domains:}
 * only: a message held on its way out (outbound spam from a compromised account, say) must not
 * send its outside recipient a digest with a link to release it to themselves.
 */
class DigestOnlyForOurDomainsTest {

    @Test
    void anOutsideRecipientOfHeldMailGetsNoDigest() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("""
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test/
                """))) {
            QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "user@example.test");
            QuarantineReviewTest.hold(gateway, "user@example.test", "someone@elsewhere.test", "Subject: x\r\n\r\nx\r\n");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertThat(CliAccess.run(List.of("quarantine", "digest", "--data-dir", gateway.dataDirectory().toString()),
                    new PrintWriter(out), new PrintWriter(err))).as(err.toString()).isZero();
            assertThat(out.toString()).contains("queued 1 digests");
            Eventually.await(Duration.ofSeconds(30), "the digest delivered",
                    () -> !QuarantineStoreTest.dropped(gateway).isEmpty());
            List<String> delivered = new java.util.ArrayList<>();
            for (Path file : QuarantineStoreTest.dropped(gateway)) {
                delivered.add(Files.readString(file));
            }
            assertThat(delivered).singleElement().asString().contains("To: <user@example.test>")
                    .doesNotContain("elsewhere.test");
        }
    }
}
