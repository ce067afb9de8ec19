package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A listener with {@code anti-spoofing} and nothing said about {@code check-header-from} checks the
 * header From: too: an envelope-only rule would be passed by any header (issue 12, finding 3).
 */
class HeaderFromByDefaultTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.defaultYaml("")
                .replace("    limits:\n", "    anti-spoofing: true\n    limits:\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    static List<String> spoofedFromFields() {
        return List.of("From: <ceo@example.test>",
                "From: <news@example.org>\r\nFrom: <ceo@example.test>",
                "From : <ceo@example.test>",
                "From:" + " ".repeat(1000) + "<ceo@example.test>",
                "From: <news@example.org>, <ceo@example.test>",
                "From: <ceo@ｅxample.test>",
                "From: <ceo@example。test>");
    }

    @ParameterizedTest
    @MethodSource("spoofedFromFields")
    void spoofedHeaderFromIsRefusedWithoutCheckHeaderFromBeingSet(String from) throws Exception {
        List<String> before = gateway.queued();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.example.org").expect("250 ");
            smtp.send("MAIL FROM:<news@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<staff@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(from + "\r\nSubject: wire the money\r\n\r\nNow.\r\n.\r\n").expect("550 5.7.1");
            smtp.send("MAIL FROM:<news@example.org>").expect("250 2.1.0");
        }
        assertThat(gateway.queued()).isEqualTo(before);
    }
}
