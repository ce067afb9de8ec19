package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Content checks see the whole header section (issue 12, finding 1): padding before the field a
 * rule matches, or before the MIME structure holding an executable, is refused by the header size
 * limit (default 100KB), and where a listener allows a larger header section the rules see past
 * the padding. Forged fields after the padding are among the fields the checks remove.
 */
class HeaderSectionContentTest {
    private static final String PADDING = ("X-Padding: " + "p".repeat(8000) + "\r\n").repeat(140);
    private static TestGateway defaultLimit;
    private static TestGateway largeLimit;

    @BeforeAll
    static void start() throws Exception {
        String yaml = TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "(?i)^Subject:.*\\\\bviagra\\\\b"
                      text: Spam phrase in Subject
                  block-attachments:
                    names: ["*.exe"]
                """, """
                content:
                  chain: [rules]
                """, "");
        defaultLimit = TestGateway.startYaml(yaml);
        largeLimit = TestGateway.startYaml(yaml.replace("      max-errors: 10", "      max-header-size: 2MB"));
    }

    @AfterAll
    static void stop() throws Exception {
        defaultLimit.close();
        largeLimit.close();
    }

    private static String message(String kind) {
        String exe = ContentRulesTest.base64("MZ fake program");
        return switch (kind) {
            case "subject" -> PADDING + "Subject: cheap viagra\r\n\r\nhello\r\n";
            case "obsolete-subject" -> PADDING + "Subject : cheap viagra\r\n\r\nhello\r\n";
            case "exe" -> PADDING + ContentRulesTest.multipart("Content-Type: application/octet-stream; name=\"invoice.exe\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\n" + exe);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} after 140 x 8KB of padding, max-header-size {1}")
    @CsvSource({
        "subject,          default, 552 5.3.4",
        "obsolete-subject, default, 552 5.3.4",
        "exe,              default, 552 5.3.4",
        "subject,          2MB,     550 5.7.1 Spam phrase in Subject",
        "obsolete-subject, 2MB,     550 5.7.1 Spam phrase in Subject",
        "exe,              2MB,     554 5.7.1 Message rejected: attachment type not allowed: invoice.exe",
    })
    void paddingDoesNotBlindTheRules(String kind, String limit, String reply) throws Exception {
        TestGateway gateway = limit.equals("default") ? defaultLimit : largeLimit;
        int before = gateway.queued().size();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.transaction("sender@remote.test", "user@example.test", message(kind), reply);
            smtp.transaction("sender@remote.test", "user@example.test", "Subject: fine\r\n\r\nhello\r\n", "250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(before + 1);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    @Test
    void theCheckedMessageHoldsEveryFieldOfTheHeaderSection(@TempDir Path directory) throws Exception {
        String padding = ("X-Padding: " + "p".repeat(8000) + "\r\n").repeat(200);
        String forged = "X-Spam-Flag : YES\r\nAuthentication-Results: gateway.test; dmarc=pass\r\nx-spam-score: -10\r\n";
        Path file = directory.resolve("message");
        Files.writeString(file, padding + forged + "Subject: last\r\n\r\nbody\r\nX-In-Body: no\r\n", StandardCharsets.US_ASCII);
        ContentMessage message = ContentMessage.read(null, file);
        List<String> names = message.headers().stream().map(HeaderField::name).toList();
        assertThat(names).hasSize(204).endsWith("X-Spam-Flag", "Authentication-Results", "x-spam-score", "Subject");
        assertThat(message.header("x-spam-flag").value()).isEqualTo("YES");
        try (InputStream rest = message.openAfterHeaders()) {
            assertThat(new String(rest.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("\r\nbody\r\nX-In-Body: no\r\n");
        }
    }
}
