package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.quarantine.Quarantine;
import io.portcullis.quarantine.QuarantineFilter;
import io.portcullis.quarantine.SafePreview;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quarantine commands as JSON requests over the control socket ({@code {"command":"quarantine-list",
 * "filter":{"reason":"spam"},"offset":0,"limit":50}}), run by the gateway, or by the CLI itself
 * on the data directory when no gateway runs. Commands: {@code quarantine-list}, {@code -show},
 * {@code -preview}, {@code -release} (id, optional recipients), {@code -delete}, and
 * {@code -release-matching} / {@code -delete-matching} (filter). Each carries its {@code actor}
 * for the audit log.
 */
final class QuarantineCommands {
    static final String PREFIX = "quarantine-";

    private final Quarantine quarantine;

    QuarantineCommands(Quarantine quarantine) {
        this.quarantine = quarantine;
    }

    JsonNode execute(JsonNode request) {
        String command = request.path("command").asText();
        String id = request.path("id").asText("");
        String actor = request.path("actor").asText("cli");
        ObjectNode answer = QueueCommands.JSON.createObjectNode();
        try {
            Object result = switch (command) {
                case "quarantine-list" -> {
                    QuarantineFilter filter = filter(request);
                    Map<String, Object> page = new LinkedHashMap<>();
                    page.put("total", quarantine.count(filter));
                    page.put("entries", quarantine.list(filter, request.path("offset").asInt(0),
                            Math.min(10_000, request.path("limit").asInt(50))));
                    yield page;
                }
                case "quarantine-show" -> Map.of("entry", quarantine.entry(id), "journal", quarantine.journal(id));
                case "quarantine-preview" -> SafePreview.of(quarantine.message(id));
                case "quarantine-release" -> quarantine.release(id, strings(request.path("recipients")), actor);
                case "quarantine-delete" -> quarantine.delete(id, actor);
                case "quarantine-release-matching" -> quarantine.releaseAll(bulkFilter(request), actor);
                case "quarantine-delete-matching" -> quarantine.deleteAll(bulkFilter(request), actor);
                default -> throw new IllegalArgumentException("unknown quarantine command \"" + command + "\"");
            };
            answer.put("ok", true).set("result", QueueCommands.JSON.valueToTree(result));
        } catch (java.nio.file.NoSuchFileException e) {
            answer.put("ok", false).put("error", id + ": no such message in the quarantine");
        } catch (IOException | IllegalArgumentException e) {
            answer.put("ok", false).put("error", e.getMessage());
        }
        return answer;
    }

    private static QuarantineFilter filter(JsonNode request) {
        Map<String, String> parameters = new LinkedHashMap<>();
        request.path("filter").properties().forEach(e -> parameters.put(e.getKey(), e.getValue().asText()));
        return QuarantineFilter.parse(parameters);
    }

    /** A bulk action's filter: at least one criterion, unless the request says {@code all}. */
    private static QuarantineFilter bulkFilter(JsonNode request) {
        QuarantineFilter filter = filter(request);
        if (filter.isEmpty() && !request.path("all").asBoolean()) {
            throw new IllegalArgumentException("a bulk action needs at least one filter, or --all");
        }
        return filter;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
