package io.portcullis.content;

import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The quarter-million-part message against a gateway in its own JVM with a 64 MB heap: a parser
 * that built the tree of parts would run out of memory (or collect garbage for minutes); the
 * streaming scan refuses it for good, again and again, and the gateway goes on accepting mail.
 */
class MimeFloodHeapTest {
    @Test
    void refusesPartFloodsWithinASmallHeap() throws Exception {
        Path directory = Files.createTempDirectory("mime-heap");
        Path config = Files.writeString(directory.resolve("portcullis.yaml"), TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  block-attachments:
                    names: ["*.exe"]
                """, """
                content:
                  chain: [rules]
                """, ""));
        String flood = MimeLimitsTest.flat(250_000, "b");
        try (GatewayProcess gateway = GatewayProcess.start(config, directory.resolve("data"),
                List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"))) {
            for (int round = 0; round < 3; round++) {
                try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) { // each read gives up after 10 s
                    smtp.expect("220").send("EHLO flood.test").expect("250");
                    smtp.transaction("sender@remote.test", "user@example.test", flood,
                            "554 5.6.0 Message rejected: too many MIME parts");
                    smtp.sendMessage("sender@remote.test", "user@example.test", MimeLimitsTest.mixed("\r\nhello\r\n"));
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }
}
