package io.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.config.ClusterConfig;
import io.portcullis.observe.Summary;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The cluster view ({@code /api/cluster}, the dashboard's Cluster card): this node and each peer of
 * {@code cluster.peers}, with its state (up, draining, not ready, down), queue, and the messages it
 * received and delivered per minute since the previous look. A peer is asked for its {@code /health}
 * and {@code /api/summary} (the same figures its own dashboard shows), all peers at once, each
 * answer bounded by {@code cluster.peer-timeout}: a peer that does not answer in time is "down",
 * and the page never waits longer than that. No state is shared between nodes beyond these reads.
 */
public final class ClusterView {
    /** One node as the view shows it; figures are null for a node that did not answer. */
    public record NodeStatus(String node, boolean self, String state, String adminUrl, Long queued, Long received,
                             Long delivered, Long rejects, Double receivedPerMinute, Double deliveredPerMinute,
                             String error) {
    }

    private record Sample(Instant time, long received, long delivered, Double receivedRate, Double deliveredRate) {
    }

    /** Rates are figured over at least this long, however often the page asks. */
    private static final Duration RATE_INTERVAL = Duration.ofSeconds(5);
    /** A peer's answer larger than this is refused (a summary is a few kilobytes). */
    private static final int MAX_ANSWER = 1024 * 1024;

    private final Supplier<ClusterConfig> config;
    private final String ownToken;
    private final Supplier<Summary> localSummary;
    private final Supplier<AdminServer.Health> localHealth;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
    private final Map<String, Sample> samples = new ConcurrentHashMap<>();

    public ClusterView(Supplier<ClusterConfig> config, String ownToken, Supplier<Summary> localSummary,
                       Supplier<AdminServer.Health> localHealth, ObjectMapper json) {
        this.config = config;
        this.ownToken = ownToken;
        this.localSummary = localSummary;
        this.localHealth = localHealth;
        this.json = json;
    }

    /** This node first, then the peers in configuration order. */
    public Map<String, Object> snapshot() {
        ClusterConfig cluster = config.get();
        Duration timeout = cluster.peerTimeout();
        List<CompletableFuture<NodeStatus>> asked = new ArrayList<>();
        for (ClusterConfig.Peer peer : cluster.otherPeers()) {
            String token = peer.token() != null ? peer.token() : ownToken;
            CompletableFuture<JsonNode> health = get(peer.adminUrl().resolve("/health"), token, timeout);
            CompletableFuture<JsonNode> summary = get(peer.adminUrl().resolve("/api/summary"), token, timeout);
            asked.add(health.thenCombine(summary, (h, s) -> status(peer, h, s))
                    .exceptionally(failure -> down(peer, failure)));
        }
        AdminServer.Health health = localHealth.get();
        Summary summary = localSummary.get();
        List<NodeStatus> nodes = new ArrayList<>();
        nodes.add(figures(cluster.nodeId(), true, state(health.ready(), health.draining()), null,
                json.valueToTree(summary)));
        for (CompletableFuture<NodeStatus> answer : asked) {
            nodes.add(answer.join()); // each is bounded by orTimeout below, and never completes exceptionally
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("time", Instant.now().toString());
        view.put("node", cluster.nodeId());
        view.put("nodes", nodes);
        return view;
    }

    private CompletableFuture<JsonNode> get(URI uri, String token, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + token)
                .GET().build();
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> new BoundedBody());
        CompletableFuture<HttpResponse<byte[]>> bounded = exchange.copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS); // the whole exchange, body included
        // a peer still sending when time is up is hung up on, not read on into memory after the page was answered
        bounded.whenComplete((response, failure) -> {
            if (failure != null) {
                exchange.cancel(true);
            }
        });
        return bounded.thenApply(response -> {
                    byte[] body = response.body();
                    // /health answers 503 with its JSON when the node is not ready: still an answer
                    if (response.statusCode() != 200 && !(response.statusCode() == 503 && uri.getPath().equals("/health"))) {
                        throw new IllegalStateException(uri.getPath() + " answered HTTP " + response.statusCode());
                    }
                    try {
                        return json.readTree(body);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(uri.getPath() + ": not JSON");
                    }
                });
    }

    /**
     * A peer's answer, refused (and the connection cancelled) as soon as it passes {@link #MAX_ANSWER}
     * octets: a peer sending without end costs at most that much memory, not whatever arrives until
     * the timeout.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream octets = new java.io.ByteArrayOutputStream();
        private java.util.concurrent.Flow.Subscription subscription;

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<java.nio.ByteBuffer> buffers) {
            for (java.nio.ByteBuffer buffer : buffers) {
                if (body.isDone()) {
                    return;
                }
                if (octets.size() + (long) buffer.remaining() > MAX_ANSWER) {
                    subscription.cancel();
                    body.completeExceptionally(new IllegalStateException("answer over " + MAX_ANSWER + " octets"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                octets.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(octets.toByteArray());
        }
    }

    private NodeStatus status(ClusterConfig.Peer peer, JsonNode health, JsonNode summary) {
        String reported = health.path("node").asText(null);
        if (reported != null && !reported.equals(peer.nodeId())) {
            return new NodeStatus(peer.nodeId(), false, "down", peer.adminUrl().toString(), null, null, null, null, null,
                    null, "answers as node " + reported);
        }
        return figures(peer.nodeId(), false, state(health.path("ready").asBoolean(), health.path("draining").asBoolean()),
                peer.adminUrl().toString(), summary);
    }

    private static NodeStatus down(ClusterConfig.Peer peer, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String why = cause instanceof java.util.concurrent.TimeoutException || cause instanceof java.net.http.HttpTimeoutException
                ? "no answer in time" : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new NodeStatus(peer.nodeId(), false, "down", peer.adminUrl().toString(), null, null, null, null, null, null, why);
    }

    private static String state(boolean ready, boolean draining) {
        return draining ? "draining" : ready ? "up" : "not ready";
    }

    /** The summary's flows added up, and rates against this node's previous sample. */
    private NodeStatus figures(String node, boolean self, String state, String adminUrl, JsonNode summary) {
        long queued = 0;
        long received = 0;
        long delivered = 0;
        long rejects = 0;
        for (JsonNode flow : summary.path("flows")) {
            queued += flow.path("queued").asLong();
            received += flow.path("received").asLong();
            delivered += flow.path("delivered").asLong();
            rejects += flow.path("rejects").asLong();
        }
        Instant now = Instant.now();
        long r = received;
        long d = delivered;
        Sample sample = samples.compute(node, (key, previous) -> {
            if (previous == null || r < previous.received()) { // first look, or the node restarted
                return new Sample(now, r, d, null, null);
            }
            Duration elapsed = Duration.between(previous.time(), now);
            if (elapsed.compareTo(RATE_INTERVAL) < 0) {
                return previous;
            }
            double minutes = elapsed.toMillis() / 60000.0;
            return new Sample(now, r, d, (r - previous.received()) / minutes, (d - previous.delivered()) / minutes);
        });
        return new NodeStatus(node, self, state, adminUrl, queued, received, delivered, rejects, sample.receivedRate(),
                sample.deliveredRate(), null);
    }
}
