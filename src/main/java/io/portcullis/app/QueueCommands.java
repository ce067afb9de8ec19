package io.portcullis.app;

import io.portcullis.spool.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.delivery.QueueService;
import io.portcullis.delivery.QueueQuery;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Queue commands as JSON requests ({@code {"command":"hold","id":"..."}}) and answers
 * ({@code {"ok":true,"result":...}}): what travels over the control socket, and what the CLI runs
 * directly when no gateway is running, so both paths share every line of logic.
 */
final class QueueCommands {
    static final ObjectMapper JSON = Json.MAPPER;

    private final QueueService service;

    QueueCommands(QueueService service) {
        this.service = service;
    }

    static ObjectNode request(String command, String id) {
        ObjectNode request = JSON.createObjectNode().put("command", command);
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
                case "flush" -> service.flush(request.path("domain").asText(null));
                case "retry", "hold", "release", "delete", "bounce" -> {
                    if (request.has("ids") || request.has("query")) {
                        yield bulk(command, request);
                    }
                    yield command.equals("retry") && id == null ? service.retryAll() : one(command, requireId(id));
                }
                default -> throw new IllegalArgumentException("unknown queue command \"" + command + "\"");
            };
            answer.put("ok", true).set("result", JSON.valueToTree(result));
        } catch (IOException | IllegalArgumentException e) {
            answer.put("ok", false).put("error", e.getMessage());
        }
        return answer;
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
