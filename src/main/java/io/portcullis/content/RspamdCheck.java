package io.portcullis.content;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.smtp.Replies;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Rspamd's HTTP protocol: the message is POSTed to {@code /checkv2} with the envelope in request
 * headers (IP, Helo, From, Rcpt, Queue-Id, User), and the JSON answer's score is held against our
 * thresholds like spamd's. Rspamd's own "soft reject" (its rate limits) is a tempfail.
 */
final class RspamdCheck implements ContentCheck {
    private final CheckConfig.Rspamd config;
    private final URI endpoint;
    private final HttpClient client;

    RspamdCheck(CheckConfig.Rspamd config) {
        this.config = config;
        this.endpoint = config.url().resolve("/checkv2");
        this.client = HttpClient.newBuilder().connectTimeout(config.timeout()).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public boolean owns(HeaderField field) {
        return SpamScore.isScannerField(field.name());
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        if (message.size() > config.maxSize()) {
            return ContentChain.skipped(step, "larger than max-size");
        }
        Envelope envelope = message.envelope();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(step.timeout())
                .POST(HttpRequest.BodyPublishers.ofFile(message.file()))
                .header("IP", envelope.client().address())
                .header("From", envelope.sender())
                .header("Queue-Id", envelope.queueId());
        if (envelope.client().helo() != null) {
            request.header("Helo", envelope.client().helo());
        }
        if (envelope.client().authenticatedAs() != null) {
            request.header("User", envelope.client().authenticatedAs());
        }
        envelope.recipients().forEach(r -> request.header("Rcpt", r.address()));
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for rspamd", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("rspamd answered HTTP " + response.statusCode());
        }
        JsonNode result = Json.MAPPER.readTree(response.body());
        if (!result.has("score")) {
            throw new IOException("rspamd's answer has no score");
        }
        if ("soft reject".equals(result.path("action").asText())) {
            return new ContentVerdict.Tempfail(Replies.CONTENT_TEMPFAIL, "spam-soft-reject");
        }
        List<String> symbols = new ArrayList<>();
        result.path("symbols").fieldNames().forEachRemaining(symbols::add);
        return SpamScore.verdict(result.get("score").asDouble(), symbols, step, config.markScore(), config.rejectScore());
    }
}
