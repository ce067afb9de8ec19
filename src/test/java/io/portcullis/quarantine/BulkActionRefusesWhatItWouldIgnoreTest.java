package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A careless admin narrows a bulk action with what narrows a single one: {@code release --sender
 * X --to a@...} on the CLI, {@code recipients=} (or a page's {@code limit=}) on the API. These were
 * silently ignored, and every held recipient of every match got the message (or every match was
 * deleted). They are refused, and nothing is touched.
 */
class BulkActionRefusesWhatItWouldIgnoreTest {
    @Test
    void recipientsAndPagingAreRefusedByBulkActions() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("admin:\n  bind: 127.0.0.1:0\n  token: "
                + QuarantineReviewTest.TOKEN + "\n"))) {
            String first = QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "a@example.test", "b@example.test");
            String second = QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "a@example.test", "b@example.test");

            QuarantineReviewTest.Cli cli = new QuarantineReviewTest.Cli(gateway.dataDirectory());
            assertThat(cli.run("release", "--sender", "remote.test", "--to", "a@example.test")).isNotZero();
            assertThat(cli.err()).contains("--to needs an ID");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + gateway.adminAddress().getPort() + "/api/quarantine/actions/";
            for (String query : new String[] {"release?sender=remote.test&recipients=a%40example.test",
                    "release-and-allow-sender?sender=remote.test&recipients=a%40example.test", "delete?sender=remote.test&limit=1",
                    "delete?all=true&offset=0&limit=50"}) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + query))
                        .header("Authorization", "Bearer " + QuarantineReviewTest.TOKEN).timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(400);
                assertThat(response.body()).contains("narrow the filter");
            }
            for (String id : new String[] {first, second}) {
                assertThat(gateway.quarantine().entry(id).held()).containsExactly("a@example.test", "b@example.test");
            }
            assertThat(gateway.queued()).isEmpty();
            assertThat(gateway.quarantine().allowList().size()).isZero();

            // the single action still takes recipients; the bulk one still works with a filter
            assertThat(cli.run("release", first, "--to", "a@example.test")).as(cli.err()).isZero();
            assertThat(gateway.quarantine().entry(first).held()).containsExactly("b@example.test");
            assertThat(cli.run("delete", "--sender", "remote.test")).as(cli.err()).isZero();
            assertThat(cli.out()).contains("deleted 2 messages");
        }
    }
}
