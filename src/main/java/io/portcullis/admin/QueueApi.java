package io.portcullis.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.portcullis.delivery.QueueService;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The queue over HTTP, through the same {@link QueueService} as the CLI:
 * {@code GET /api/queue[?sender=&domain=&flow=&min-age=SECONDS]}, {@code GET /api/queue/ID},
 * {@code POST /api/queue/ID/(hold|release|retry|delete|bounce)}, and the same in bulk:
 * {@code POST /api/queue/actions/ACTION?filters}.
 */
final class QueueApi {
    private final QueueService queue;
    private final ObjectMapper json;

    QueueApi(QueueService queue, ObjectMapper json) {
        this.queue = queue;
        this.json = json;
    }

    void handle(HttpExchange exchange) throws IOException {
        String[] path = exchange.getRequestURI().getPath().replaceAll("/+$", "").split("/");
        String method = exchange.getRequestMethod();
        try {
            if (path.length == 5 && path[3].equals("actions") && method.equals("POST")) {
                bulk(exchange, path[4]);
            } else if (path.length == 3 && method.equals("GET")) {
                ok(exchange, queue.list(filter(query(exchange))));
            } else if (path.length == 4 && method.equals("GET")) {
                QueueService.Details details = queue.show(path[3]);
                if (details == null) {
                    AdminServer.respond(exchange, 404, "application/json", "{\"error\":\"no such message in the queue\"}");
                } else {
                    ok(exchange, details);
                }
            } else if (path.length == 5 && method.equals("POST")) {
                QueueService.Result result = switch (path[4]) {
                    case "hold" -> queue.hold(path[3]);
                    case "release" -> queue.release(path[3]);
                    case "retry" -> queue.retry(path[3]);
                    case "delete" -> queue.delete(path[3]);
                    case "bounce" -> queue.bounce(path[3]);
                    default -> null;
                };
                if (result == null) {
                    AdminServer.respond(exchange, 404, "application/json", "{\"error\":\"unknown action\"}");
                } else {
                    AdminServer.respond(exchange, result.done() ? 200 : 409, "application/json", json.writeValueAsString(result));
                }
            } else {
                AdminServer.respond(exchange, 404, "application/json", "{\"error\":\"no such resource\"}");
            }
        } catch (IllegalArgumentException e) {
            AdminServer.respond(exchange, 400, "application/json", json.writeValueAsString(Map.of("error", e.getMessage())));
        }
    }

    /** POST /api/queue/actions/ACTION?sender=&domain=&flow=&min-age=: the action on every matching message. */
    private void bulk(HttpExchange exchange, String action) throws IOException {
        Map<String, String> query = query(exchange);
        if (query.isEmpty()) {
            throw new IllegalArgumentException("a bulk action needs at least one filter (sender, domain, flow, min-age)");
        }
        java.util.List<QueueService.Result> results = new java.util.ArrayList<>();
        for (QueueService.Entry entry : queue.list(filter(query))) {
            results.add(switch (action) {
                case "hold" -> queue.hold(entry.id());
                case "release" -> queue.release(entry.id());
                case "retry" -> queue.retry(entry.id());
                case "delete" -> queue.delete(entry.id());
                case "bounce" -> queue.bounce(entry.id());
                default -> throw new IllegalArgumentException("unknown action " + action);
            });
        }
        ok(exchange, results);
    }

    private void ok(HttpExchange exchange, Object body) throws IOException {
        AdminServer.respond(exchange, 200, "application/json", json.writeValueAsString(body));
    }

    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> parameters = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return parameters;
    }

    /** The queue filters of the API: sender, recipient domain, flow and minimum age. */
    static Predicate<QueueService.Entry> filter(Map<String, String> query) {
        Predicate<QueueService.Entry> filter = entry -> true;
        String sender = query.get("sender");
        if (sender != null) {
            filter = filter.and(e -> e.sender().equalsIgnoreCase(sender));
        }
        String domain = query.get("domain");
        if (domain != null) {
            String suffix = "@" + domain.toLowerCase(Locale.ROOT);
            filter = filter.and(e -> e.recipients().stream().anyMatch(r -> r.toLowerCase(Locale.ROOT).endsWith(suffix)));
        }
        String flow = query.get("flow");
        if (flow != null) {
            filter = filter.and(e -> e.flow().equals(flow));
        }
        String minAge = query.get("min-age");
        if (minAge != null) {
            long seconds;
            try {
                seconds = Long.parseLong(minAge);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("min-age is a number of seconds");
            }
            filter = filter.and(e -> e.ageSeconds() >= seconds);
        }
        return filter;
    }
}
