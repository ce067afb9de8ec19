package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Release-and-allow-sender: releasing with {@code --allow-sender} (CLI) or the API's
 * {@code release-and-allow-sender} adds the sender to each released recipient's allow list
 * (durable, bounded, +tags folded); later spam from that sender to that recipient is delivered
 * at once while other recipients' copies stay held, but only when the sender's domain passed SPF
 * here (real dnsmasq answering the SPF records, the real authentication check writing our
 * Authentication-Results): a forged allowed sender, with or without a forged
 * Authentication-Results field, stays held, and a virus is held whoever sent it (also when a
 * spam step held the message before the virus step did).
 */
class ReleaseAndAllowSenderTest {
    private static Dnsmasq dns;
    private static TestGateway gateway;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static final String SPAM = "From: News <news@allowed.test>\r\nX-Mailer: BulkBlaster 3\r\nSubject: deals of the day\r\n\r\nhi\r\n";
    private static final String VIRUS = "Subject: invoice\r\n\r\nTEST-VIRUS-SIGNATURE\r\n";

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start(Dnsmasq.txtRecord("allowed.test", "v=spf1 ip4:127.0.0.1 -all"),
                Dnsmasq.txtRecord("forged.test", "v=spf1 -all"));
        String yaml = TestGateway.contentYaml("""
                - name: auth
                  type: authentication
                  dmarc-reject: false
                - name: spam-rules
                  type: rules
                  header-checks:
                    - pattern: "^X-Mailer: BulkBlaster"
                      action: quarantine
                      text: "spam: bulk mailer"
                - name: virus-rules
                  type: rules
                  body-checks:
                    - pattern: "TEST-VIRUS-SIGNATURE"
                      action: quarantine
                      text: "virus: test signature"
                """, """
                content:
                  chain: [auth, spam-rules, virus-rules]
                """, "").replace("queue-only: true", "queue-only: false\n  dns-resolver: 127.0.0.1:" + dns.port())
                + """
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  allow-senders:
                    max-per-recipient: 3
                """.formatted(QuarantineReviewTest.TOKEN);
        gateway = TestGateway.startYaml(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    private static String send(String sender, String content, String... recipients) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<" + sender + ">").expect("250 2.1.0");
            for (String recipient : recipients) {
                smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content + ".\r\n");
            return smtp.expect("250 2.0.0 OK accepted as").queueId(); // held, whatever the allow list does next
        }
    }

    private int post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + QuarantineReviewTest.TOKEN).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void anAllowedAuthenticatedSenderSkipsOnlyTheSpamHoldForThatRecipient() throws Exception {
        QuarantineReviewTest.Cli cli = new QuarantineReviewTest.Cli(gateway.dataDirectory());
        int before = QuarantineStoreTest.dropped(gateway).size();
        String first = send("news@allowed.test", SPAM, "a@example.test", "b@example.test");
        assertThat(cli.run("release", first, "--to", "a@example.test", "--allow-sender")).as(cli.err()).isZero();
        assertThat(cli.out()).contains("released 1 message", "allowed 1 sender/recipient pairs");
        Eventually.await(Duration.ofSeconds(30), "a's released copy", () -> QuarantineStoreTest.dropped(gateway).size() == before + 1);
        assertThat(gateway.quarantine().allowList().allows("a@example.test", "news@allowed.test")).isTrue();
        assertThat(gateway.quarantine().allowList().allows("b@example.test", "news@allowed.test")).isFalse();

        // the same sender (a +tag: the same key) again: a gets it at once, b's copy stays held
        String second = send("news+4711@allowed.test", SPAM.replace("deals", "more deals"), "a@example.test", "b@example.test");
        Eventually.await(Duration.ofSeconds(30), "a's copy of the second", () -> QuarantineStoreTest.dropped(gateway).size() == before + 2);
        assertThat(gateway.quarantine().entry(second).recipients()).containsEntry("a@example.test", "released")
                .containsEntry("b@example.test", "held");
        assertThat(gateway.quarantine().journal(second)).extracting(QuarantineRecord::actor).contains("allow-list");

        // a virus from the allowed sender is held whoever sent it
        String virus = send("news@allowed.test", VIRUS, "a@example.test");
        assertThat(gateway.quarantine().entry(virus).held()).containsExactly("a@example.test");
        // held as spam by one step and as a virus by a later one: the virus hold is not skipped
        String both = send("news@allowed.test", SPAM.replace("hi\r\n", "TEST-VIRUS-SIGNATURE\r\n"), "a@example.test");
        assertThat(gateway.quarantine().entry(both).reason())
                .isEqualTo("header-check: spam: bulk mailer | body-check: virus: test signature");
        assertThat(gateway.quarantine().entry(both).category()).isEqualTo("spam");
        assertThat(gateway.quarantine().entry(both).held()).containsExactly("a@example.test");

        // an allowed sender whose domain fails SPF here: held, also with a forged Authentication-Results
        assertThat(cli.run("allow-list", "add", "a@example.test", "boss@forged.test")).as(cli.err()).isZero();
        String forged = send("boss@forged.test", SPAM, "a@example.test");
        String claimed = send("boss@forged.test", "Authentication-Results: gateway.test; spf=pass smtp.mailfrom=boss@forged.test;"
                + " dmarc=pass header.from=forged.test\r\n" + SPAM, "a@example.test");
        assertThat(gateway.quarantine().entry(forged).held()).containsExactly("a@example.test");
        assertThat(gateway.quarantine().entry(claimed).held()).containsExactly("a@example.test");

        // bounded per recipient: the third fits, a fourth is refused and nothing is evicted
        assertThat(cli.run("allow-list", "add", "a@Example.TEST", "x@third.test")).as(cli.err()).isZero();
        assertThat(cli.run("allow-list", "add", "a@example.test", "y@fourth.test")).isEqualTo(1);
        assertThat(cli.err()).contains("the allow list of <a@example.test> is full (3 senders)");
        assertThat(cli.run("allow-list", "list", "--recipient", "a@example.test")).isZero();
        assertThat(cli.out()).contains("<a@example.test> allows <news@allowed.test>", "<boss@forged.test>", "<x@third.test>",
                "-- 3 entries");

        // the API in bulk by filter: b's held copies released, news@allowed.test allowed for b
        assertThat(post("/api/quarantine/actions/release-and-allow-sender?sender=allowed.test&recipient=b%40example")).isEqualTo(200);
        assertThat(gateway.quarantine().allowList().allows("b@example.test", "news@allowed.test")).isTrue();
        Eventually.await(Duration.ofSeconds(30), "b's two released copies", () -> QuarantineStoreTest.dropped(gateway).size() == before + 4);

        // durable across a restart; removed, the sender's spam is held again
        gateway.restart();
        assertThat(gateway.quarantine().allowList().allows("a@example.test", "news@allowed.test")).isTrue();
        assertThat(cli.run("allow-list", "remove", "a@example.test", "news@allowed.test")).as(cli.err()).isZero();
        assertThat(cli.out()).contains("removed <news@allowed.test> for <a@example.test>");
        assertThat(gateway.quarantine().allowList().allows("a@example.test", "news@allowed.test")).isFalse();
        String after = send("news@allowed.test", SPAM, "a@example.test");
        assertThat(gateway.quarantine().entry(after).held()).containsExactly("a@example.test");

        List<String> actions = gateway.quarantine().audit().read().stream().map(AuditLog.Action::action).toList();
        assertThat(actions).containsSubsequence("release-allow-sender", "allow-list-add", "allow-list-add",
                "release-allow-sender-bulk", "allow-list-remove");
        assertThat(cli.run("release", after, "--allow-sender")).isZero();
        assertThat(gateway.quarantine().allowList().allows("a@example.test", "news@allowed.test")).isTrue();
    }
}
