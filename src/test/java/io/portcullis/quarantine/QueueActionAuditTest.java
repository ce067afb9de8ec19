package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.CliAccess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Queue actions are audited like quarantine actions, in the same log: {@code portcullis queue
 * hold/release/delete} over the control socket (actor {@code cli USER}) and the admin API's
 * single and bulk actions (actor {@code admin-api ADDRESS}), each with what, on which message
 * or selection, when, and how many messages it changed; a listing is not an action.
 */
class QueueActionAuditTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static int queue(TestGateway gateway, String... args) {
        List<String> full = new ArrayList<>(List.of("queue"));
        full.addAll(List.of(args));
        full.addAll(List.of("--data-dir", gateway.dataDirectory().toString()));
        StringWriter err = new StringWriter();
        return CliAccess.run(full, new PrintWriter(new StringWriter()), new PrintWriter(err));
    }

    private int post(TestGateway gateway, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + QuarantineReviewTest.TOKEN).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void cliAndApiQueueActionsAreRecordedWithWhoWhatAndWhen() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        try (TestGateway gateway = TestGateway.startYaml(TestGateway.defaultYaml("")
                + "admin:\n  bind: 127.0.0.1:0\n  token: " + QuarantineReviewTest.TOKEN + "\n")) {
            String first;
            String second;
            String third;
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                first = smtp.sendMessage("a@example.org", "one@example.test", "Subject: 1\r\n\r\nx\r\n");
                second = smtp.sendMessage("a@example.org", "two@example.test", "Subject: 2\r\n\r\nx\r\n");
                third = smtp.sendMessage("b@example.org", "three@example.test", "Subject: 3\r\n\r\nx\r\n");
            }
            String user = "cli " + System.getProperty("user.name");
            assertThat(queue(gateway, "list")).isZero();
            assertThat(queue(gateway, "hold", first)).isZero();
            assertThat(queue(gateway, "release", first)).isZero();
            assertThat(queue(gateway, "delete", "--from", "a@example.org")).isZero();
            assertThat(post(gateway, "/api/queue/" + third + "/hold")).isEqualTo(200);
            assertThat(post(gateway, "/api/queue/actions/delete?sender=b%40example.org")).isEqualTo(200);
            assertThat(gateway.queued()).isEmpty();

            List<AuditLog.Action> actions = gateway.quarantine().audit().read();
            assertThat(actions).extracting(AuditLog.Action::action)
                    .containsExactly("queue-hold", "queue-release", "queue-delete", "queue-hold", "queue-delete");
            assertThat(actions.subList(0, 3)).extracting(AuditLog.Action::actor).containsOnly(user);
            assertThat(actions.subList(3, 5)).extracting(AuditLog.Action::actor).containsOnly("admin-api 127.0.0.1");
            assertThat(actions).extracting(AuditLog.Action::target)
                    .containsExactly(first, first, "query from=a@example.org", third, "query sender=b@example.org");
            assertThat(actions).extracting(AuditLog.Action::count).containsExactly(1, 1, 2, 1, 1);
            assertThat(actions.get(2).detail()).contains(first, second);
            assertThat(actions).allSatisfy(a -> assertThat(a.at()).isAfter(before).isBeforeOrEqualTo(Instant.now()));
        }
    }
}
