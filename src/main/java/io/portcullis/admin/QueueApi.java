package io.portcullis.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.delivery.QueueService;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The queue over HTTP, through the same {@link QueueService} as the CLI:
 * {@code GET /api/queue[?sender=&domain=&flow=&min-age=SECONDS][&q=TEXT][&offset=N&limit=M]}, {@code GET /api/queue/ID},
 * {@code POST /api/queue/ID/(hold|release|retry|delete|bounce)}, and the same in bulk:
 * {@code POST /api/queue/actions/ACTION?filters}. A known path with another method gets 405.
 * Every action is written to the audit log (once one is given) as {@code admin-api ADDRESS}, as
 * the quarantine's are.
 */
final class QueueApi {
    private final QueueService queue;
    private final ObjectMapper json;
    private volatile io.portcullis.quarantine.AuditLog audit;

    QueueApi(QueueService queue, ObjectMapper json) {
        this.queue = queue;
        this.json = json;
    }

    void audit(io.portcullis.quarantine.AuditLog log) {
        this.audit = log;
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
                    page(exchange, queue.list(filter(exchange.query()).and(search(exchange.query().get("q")))));
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
            audited(exchange, action, id, java.util.List.of(result), result.done() ? null : result.message());
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
        StringBuilder selection = new StringBuilder("query");
        new java.util.TreeMap<>(query).forEach((name, value) -> selection.append(' ').append(name).append('=').append(value));
        audited(exchange, action, selection.toString(), results, null);
        ok(exchange, results);
    }

    private void audited(Exchange exchange, String action, String target, java.util.List<QueueService.Result> results,
                         String detail) throws IOException {
        io.portcullis.quarantine.AuditLog log = audit;
        if (log == null) {
            return;
        }
        java.util.List<String> done = results.stream().filter(QueueService.Result::done).map(QueueService.Result::id).toList();
        if (detail == null && results.size() > 1) {
            detail = "ids " + String.join(",", done.subList(0, Math.min(20, done.size()))) + (done.size() > 20 ? ",..." : "");
        }
        log.record(QuarantineApi.actor(exchange), "queue-" + action, target, done.size(), detail);
    }

    /** The longest page {@code limit} may ask for. */
    static final int MAX_LIMIT = 1000;

    /**
     * One page of the list, oldest first: {@code offset} (default 0) and {@code limit} (default
     * all, at most {@link #MAX_LIMIT}); the number of matching messages before paging is in the
     * {@code X-Total-Count} header, so the body stays the plain array it always was.
     */
    private void page(Exchange exchange, java.util.List<QueueService.Entry> entries) throws IOException {
        Map<String, String> query = exchange.query();
        int offset = number(query.get("offset"), 0, Integer.MAX_VALUE, "offset");
        int limit = query.get("limit") == null ? Integer.MAX_VALUE : number(query.get("limit"), 0, MAX_LIMIT, "limit");
        exchange.response().getHeaders().put("X-Total-Count", Integer.toString(entries.size()));
        ok(exchange, entries.subList(Math.min(offset, entries.size()), (int) Math.min((long) offset + limit, entries.size())));
    }

    private static int number(String text, int absent, int max, String name) {
        if (text == null) {
            return absent;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= 0 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException(name + " is a whole number from 0 to " + max);
    }

    /**
     * The dashboard's search box, {@code q}: a message matches when its queue id, sender, a
     * recipient, flow or last error contains the text (case-insensitive); blank matches all.
     */
    static Predicate<QueueService.Entry> search(String q) {
        if (q == null || q.isBlank()) {
            return entry -> true;
        }
        String needle = q.strip().toLowerCase(Locale.ROOT);
        return entry -> contains(entry.id(), needle) || contains(entry.sender(), needle) || contains(entry.flow(), needle)
                || contains(entry.lastError(), needle) || entry.recipients().stream().anyMatch(r -> contains(r, needle));
    }

    private static boolean contains(String value, String needle) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(needle);
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
