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
 * {@code -release-matching} / {@code -delete-matching} (filter); a release with {@code
 * "allow-sender":true} also adds the sender to each released recipient's allow list; {@code
 * quarantine-allow-list} (optional recipient), {@code -allow-add} and {@code -allow-remove}
 * (recipient, sender) manage those lists. Each carries its {@code actor} for the audit log.
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
                case "quarantine-release" -> request.path("allow-sender").asBoolean()
                        ? quarantine.releaseAndAllow(id, strings(request.path("recipients")), actor)
                        : quarantine.release(id, strings(request.path("recipients")), actor);
                case "quarantine-delete" -> quarantine.delete(id, actor);
                case "quarantine-release-matching" -> request.path("allow-sender").asBoolean()
                        ? quarantine.releaseAllAndAllow(bulkFilter(request), actor) : quarantine.releaseAll(bulkFilter(request), actor);
                case "quarantine-allow-list" -> quarantine.allowList().list(request.path("recipient").asText(null));
                case "quarantine-allow-add", "quarantine-allow-remove" -> allowListChange(command, request, actor);
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

    private Map<String, Object> allowListChange(String command, JsonNode request, String actor) throws IOException {
        String recipient = request.path("recipient").asText("");
        String sender = request.path("sender").asText("");
        boolean changed;
        if (command.endsWith("add")) {
            try {
                changed = quarantine.allowList().add(recipient, sender, actor, java.time.Instant.now());
            } catch (io.portcullis.quarantine.SenderAllowList.Full e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        } else {
            changed = quarantine.allowList().remove(recipient, sender);
        }
        quarantine.audit().record(actor, command.endsWith("add") ? "allow-list-add" : "allow-list-remove",
                recipient, changed ? 1 : 0, "sender " + sender);
        return Map.of("changed", changed, "recipient", String.valueOf(io.portcullis.quarantine.SenderAllowList.canonical(recipient)),
                "sender", String.valueOf(io.portcullis.quarantine.SenderAllowList.canonical(sender)));
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
