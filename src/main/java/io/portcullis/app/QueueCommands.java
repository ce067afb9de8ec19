package io.portcullis.app;

import io.portcullis.spool.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.delivery.QueueService;
import java.io.IOException;

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
                case "list" -> service.list(entry -> true);
                case "show" -> service.show(requireId(id));
                case "retry" -> id == null ? service.retryAll() : service.retry(id);
                case "hold" -> service.hold(requireId(id));
                case "release" -> service.release(requireId(id));
                case "delete" -> service.delete(requireId(id));
                case "bounce" -> service.bounce(requireId(id));
                default -> throw new IllegalArgumentException("unknown queue command \"" + command + "\"");
            };
            answer.put("ok", true).set("result", JSON.valueToTree(result));
        } catch (IOException | IllegalArgumentException e) {
            answer.put("ok", false).put("error", e.getMessage());
        }
        return answer;
    }

    private static String requireId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("this command needs a queue id");
        }
        return id;
    }
}
