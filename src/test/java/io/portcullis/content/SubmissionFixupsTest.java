package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 6409 §8.2, §8.3: mail submitted on the outbound listener (relay networks) without Message-ID
 * or Date gets both before the content chain, so the disclaimer and the DKIM signature (verified by
 * dkimpy) cover them; mail that has them keeps its own; mail from the Internet is not changed.
 */
class SubmissionFixupsTest {
    private static final Pattern MESSAGE_ID = Pattern.compile("(?m)^Message-ID: <[0-9A-Z]+(?:-[a-z0-9-]+)?\\.[0-9a-f]{16}@gateway\\.test>\r\n");
    private static final Pattern DATE = Pattern.compile(
            "(?m)^Date: [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\r\n");
    private static TestGateway gateway;
    private static Dnsmasq dns;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: disclaimer
                  type: disclaimer
                  text: Sent through the signing gateway.
                - name: dkim
                  type: dkim-sign
                  keys:
                    - {domain: example.test, selector: rsa1, algorithm: rsa-sha256}
                """, "", """
                content:
                  chain: [disclaimer, dkim]
                """).replace("    submission-fixups: false\n", "")); // the default where relay networks are set
        List<String> records = new ArrayList<>();
        try (var files = Files.list(gateway.dataDirectory().resolve("dkim"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                String name = file.getFileName().toString().replaceAll("\\.(rsa|ed25519)\\.txt$", "");
                records.add(Dnsmasq.txtRecord(name, Files.readString(file).strip()));
            }
        }
        dns = Dnsmasq.start(records.toArray(String[]::new));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(dns, gateway);
    }

    @Test
    void submittedMailWithoutMessageIdAndDateGetsBothSignedByDkim() throws Exception {
        String stored = stored(gateway.port("outbound"), "From: user@example.test\r\nTo: someone@remote.test\r\n"
                + "Subject: bare\r\n\r\nHello.\r\n");
        String header = stored.substring(0, stored.indexOf("\r\n\r\n") + 2);
        assertThat(MESSAGE_ID.matcher(header).results().count()).as(header).isOne();
        assertThat(DATE.matcher(header).results().count()).as(header).isOne();
        assertThat(header.replaceAll("\r\n\\s+", " ")).containsPattern("DKIM-Signature: .*h=[^;]*date[^;]*;")
                .containsPattern("DKIM-Signature: .*h=[^;]*message-id[^;]*;");
        assertThat(header).containsSubsequence("Subject: bare\r\n", "Message-ID: ", "Date: ");
        assertThat(stored).contains("Sent through the signing gateway.");
        assertThat(Dkimpy.verify(stored, dns.port())).containsExactly("rsa-sha256 example.test pass");
    }

    @Test
    void submittedMailWithBothKeepsItsOwn() throws Exception {
        String stored = stored(gateway.port("outbound"), "From: user@example.test\r\nmessage-id: <own@example.test>\r\n"
                + "DATE: Sat, 28 Nov 2026 10:00:00 +0000\r\nSubject: complete\r\n\r\nHello.\r\n");
        assertThat(stored).doesNotContainPattern(MESSAGE_ID).doesNotContainPattern(DATE)
                .contains("message-id: <own@example.test>\r\n", "DATE: Sat, 28 Nov 2026 10:00:00 +0000\r\n");
    }

    @Test
    void aMessageWithoutBodyGetsTheFieldsAtItsEnd() throws Exception {
        String stored = stored(gateway.port("outbound"), "From: user@example.test\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n");
        assertThat(MESSAGE_ID.matcher(stored).results().count()).as(stored).isOne();
        assertThat(stored.split("\r\nDate: ", -1)).as(stored).hasSize(2);
        assertThat(stored).contains("\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n");
    }

    @Test
    void inboundMailIsNotChanged() throws Exception {
        String sent = "From: someone@remote.test\r\nTo: user@example.test\r\nSubject: from outside\r\n\r\nHello.\r\n";
        String stored = stored(gateway.inboundPort(), sent);
        assertThat(stored).endsWith(sent).doesNotContain("Message-ID:").doesNotContain("\r\nDate:");
    }

    private static String stored(int port, String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            boolean inbound = port == gateway.inboundPort();
            String id = smtp.sendMessage(inbound ? "someone@remote.test" : "user@example.test",
                    inbound ? "user@example.test" : "someone@remote.test", message);
            return new String(gateway.message(id), StandardCharsets.ISO_8859_1);
        }
    }
}
