package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the digest tests share: a gateway whose inbound listener runs {@code chain} and delivers
 * everything to a real smtp-sink, the digests found there, their links, and following a link
 * with a real HTTP client (a POST, as the confirmation page's button sends).
 */
final class DigestSink {
    static final Pattern RELEASE = Pattern.compile(
            "  Release: https://quarantine\\.example\\.test(/quarantine/release\\?token=[A-Za-z0-9_.-]+)");
    static final Pattern ALLOW = Pattern.compile(
            "  Release and always allow this sender: https://quarantine\\.example\\.test(/quarantine/release\\?token=[A-Za-z0-9_.-]+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private DigestSink() {
    }

    /** The test configuration up to (not including) {@code checks:}: example.test, all mail to the sink. */
    static String yaml(int sinkPort, String chain) throws Exception {
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                routes:
                  - domains: ["*"]
                    connector: internal
                delivery:
                  retry: [1s]
                """.formatted(sinkPort));
        return yaml.replace("  - name: outbound\n", "    content:\n      chain: [" + chain + "]\n  - name: outbound\n");
    }

    static List<String> digests(SmtpSink sink) throws Exception {
        return sink.transactions().stream().filter(t -> t.contains("Subject: Quarantine digest")).toList();
    }

    /** The path of the {@code pattern} link listed under the entry with {@code subject}. */
    static String link(Pattern pattern, String digest, String subject) {
        Matcher m = pattern.matcher(digest.substring(digest.indexOf("Subject: " + subject)));
        assertThat(m.find()).as(digest).isTrue();
        return m.group(1);
    }

    /** POSTs to {@code path} on the admin server; the status. */
    static int post(TestGateway gateway, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
