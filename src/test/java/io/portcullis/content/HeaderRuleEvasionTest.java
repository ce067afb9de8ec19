package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A header rule sees a field as a reader does: RFC 2047 encoded words decoded and folding white
 * space made one space, besides the raw form. Found by the red-team review: an encoded or
 * tab-folded Subject stepped around a rule written for the words a reader sees.
 */
class HeaderRuleEvasionTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "(?i)^Subject:.*\\\\bfree money\\\\b"
                      text: Spam phrase in Subject
                """, """
                content:
                  chain: [rules]
                """, ""));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Subject: free money",
        "Subject: =?utf-8?q?free_money?=",
        "Subject: =?UTF-8?B?ZnJlZSBtb25leQ==?=",
        "Subject: =?iso-8859-1?q?free?= =?iso-8859-1?q?_money?=",
        "Subject: free\r\n\tmoney",
        "Subject: free  \t money",
        "Subject: get =?utf-8?q?FREE?=\r\n =?utf-8?q?_MONEY?= now"})
    void encodedOrFoldedWordsDoNotStepAroundAHeaderRule(String subject) throws Exception {
        List<String> before = gateway.queued();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", subject + "\r\n\r\nhello\r\n",
                    "550 5.7.1 Spam phrase in Subject");
            smtp.send("NOOP").expect("250 2.0.0");
        }
        assertThat(gateway.queued()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Subject: free moneybox", "Subject: =?utf-8?q?freedom_money?=", "Subject: =?x-unknown?q?free?="})
    void otherSubjectsStillPass(String subject) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", subject + "\r\n\r\nhello\r\n", "250 2.0.0");
        }
    }
}
