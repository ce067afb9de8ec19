package io.portcullis.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.delivery.QueueService;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The queue over HTTP, through the same {@link QueueService} as the CLI:
 * {@code GET /api/queue[?sender=&domain=&flow=&min-age=SECONDS]}, {@code GET /api/queue/ID},
 * {@code POST /api/queue/ID/(hold|release|retry|delete|bounce)}, and the same in bulk:
 * {@code POST /api/queue/actions/ACTION?filters}. A known path with another method gets 405.
 */
final class QueueApi {
    private final QueueService queue;
    private final ObjectMapper json;

    QueueApi(QueueService queue, ObjectMapper json) {
        this.queue = queue;
        this.json = json;
    }

    void handle(Exchange exchange) throws IOException {
        String[] path = exchange.path().replaceAll("/+$", "").split("/");
        try {
            if (path.length == 5 && path[3].equals("actions")) {
                if (AdminServer.allowMethod(exchange, "POST")) {
                    bulk(exchange, path[4]);
                }
            } else if (path.length == 3 || path.length == 4) {
                if (!AdminServer.allowMethod(exchange, "GET", "HEAD")) {
                    return;
                }
                if (path.length == 3) {
                    ok(exchange, queue.list(filter(exchange.query())));
                } else {
                    QueueService.Details details = queue.show(path[3]);
                    if (details == null) {
                        exchange.json(404, "{\"error\":\"no such message in the queue\"}");
                    } else {
                        ok(exchange, details);
                    }
                }
            } else if (path.length == 5) {
                if (AdminServer.allowMethod(exchange, "POST")) {
                    action(exchange, path[3], path[4]);
                }
            } else {
                exchange.json(404, "{\"error\":\"no such resource\"}");
            }
        } catch (IllegalArgumentException e) {
            exchange.json(400, json.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    private void action(Exchange exchange, String id, String action) throws IOException {
        QueueService.Result result = switch (action) {
            case "hold" -> queue.hold(id);
            case "release" -> queue.release(id);
            case "retry" -> queue.retry(id);
            case "delete" -> queue.delete(id);
            case "bounce" -> queue.bounce(id);
            default -> null;
        };
        if (result == null) {
            exchange.json(404, "{\"error\":\"unknown action\"}");
        } else {
            exchange.json(result.done() ? 200 : 409, json.writeValueAsString(result));
        }
    }

    /** POST /api/queue/actions/ACTION?sender=&domain=&flow=&min-age=: the action on every matching message. */
    private void bulk(Exchange exchange, String action) throws IOException {
        Map<String, String> query = exchange.query();
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

    private void ok(Exchange exchange, Object body) throws IOException {
        exchange.json(200, json.writeValueAsString(body));
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
