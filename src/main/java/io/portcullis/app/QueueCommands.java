package io.portcullis.app;

import io.portcullis.spool.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.delivery.QueueService;
import io.portcullis.delivery.QueueQuery;
import io.portcullis.quarantine.AuditLog;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Queue commands as JSON requests ({@code {"command":"hold","id":"..."}}) and answers
 * ({@code {"ok":true,"result":...}}): what travels over the control socket, and what the CLI runs
 * directly when no gateway is running, so both paths share every line of logic. Every action
 * (flush, retry, hold, release, delete, bounce; one message or many) is written to the
 * {@link AuditLog} the quarantine's actions go to, with the request's {@code actor}
 * ({@code cli USER}), what, on which messages, and how many it changed.
 */
final class QueueCommands {
    static final ObjectMapper JSON = Json.MAPPER;

    private final QueueService service;
    private final AuditLog audit;

    QueueCommands(QueueService service, AuditLog audit) {
        this.service = service;
        this.audit = audit;
    }

    static ObjectNode request(String command, String id) {
        ObjectNode request = JSON.createObjectNode().put("command", command)
                .put("actor", "cli " + System.getProperty("user.name", "?"));
        if (id != null) {
            request.put("id", id);
        }
        return request;
    }

    JsonNode execute(JsonNode request) {
        String command = request.path("command").asText();
        String id = request.path("id").asText(null);
        ObjectNode answer = JSON.createObjectNode();
        try {
            Object result = switch (command) {
                case "list" -> service.list(request.has("query") ? query(request.path("query")).predicate() : entry -> true);
                case "show" -> service.show(requireId(id));
                case "flush" -> {
                    String domain = request.path("domain").asText(null);
                    List<QueueService.Result> flushed = service.flush(domain);
                    audited(request, "queue-flush", domain == null ? "all" : "domain " + domain, flushed, null);
                    yield flushed;
                }
                case "retry", "hold", "release", "delete", "bounce" -> {
                    if (request.has("ids") || request.has("query")) {
                        List<QueueService.Result> results = bulk(command, request);
                        audited(request, "queue-" + command, request.has("query") ? selection(request.path("query"))
                                : "ids", results, null);
                        yield results;
                    }
                    if (command.equals("retry") && id == null) {
                        List<QueueService.Result> retried = service.retryAll();
                        audited(request, "queue-retry", "all", retried, null);
                        yield retried;
                    }
                    QueueService.Result single = one(command, requireId(id));
                    audited(request, "queue-" + command, id, List.of(single), single.done() ? null : single.message());
                    yield single;
                }
                default -> throw new IllegalArgumentException("unknown queue command \"" + command + "\"");
            };
            answer.put("ok", true).set("result", JSON.valueToTree(result));
        } catch (IOException | IllegalArgumentException e) {
            answer.put("ok", false).put("error", e.getMessage());
        }
        return answer;
    }

    /** A query as the audit log shows it: {@code query from=a@example.org state=held}. */
    private static String selection(JsonNode query) {
        StringBuilder text = new StringBuilder("query");
        query.properties().forEach(e -> {
            if (!e.getValue().isNull()) {
                text.append(' ').append(e.getKey()).append('=').append(e.getValue().asText());
            }
        });
        return text.toString();
    }

    /** One audit line: the actor the request names, the count of messages changed, the first ids. */
    private void audited(JsonNode request, String action, String target, List<QueueService.Result> results, String detail)
            throws IOException {
        Integer count = null;
        if (results != null) {
            List<String> done = results.stream().filter(QueueService.Result::done).map(QueueService.Result::id).toList();
            count = done.size();
            if (detail == null && results.size() > 1) {
                detail = "ids " + String.join(",", done.subList(0, Math.min(20, done.size())))
                        + (done.size() > 20 ? ",..." : "");
            }
        }
        audit.record(request.path("actor").asText("control-socket"), action, target, count, detail);
    }

    /**
     * One command on many messages, each on its own (journaled before it takes effect, so each is
     * done or not, whatever happens to the others): the given ids, or those the query selects.
     */
    private List<QueueService.Result> bulk(String command, JsonNode request) throws IOException {
        List<String> ids = new ArrayList<>();
        if (request.has("query")) {
            ids.addAll(service.select(query(request.path("query"))));
        }
        request.path("ids").forEach(id -> ids.add(id.asText()));
        List<QueueService.Result> results = new ArrayList<>();
        for (String id : new java.util.LinkedHashSet<>(ids)) {
            results.add(one(command, id));
        }
        return results;
    }

    private QueueService.Result one(String command, String id) throws IOException {
        return switch (command) {
            case "retry" -> service.retry(id);
            case "hold" -> service.hold(id);
            case "release" -> service.release(id);
            case "delete" -> service.delete(id);
            default -> service.bounce(id);
        };
    }

    static QueueQuery query(JsonNode query) {
        String olderThan = query.path("olderThan").asText(null);
        return new QueueQuery(query.path("from").asText(null), query.path("to").asText(null),
                query.path("flow").asText(null), olderThan == null ? null : Duration.parse(olderThan),
                query.path("state").asText(null));
    }

    private static String requireId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("this command needs a queue id");
        }
        return id;
    }
}
