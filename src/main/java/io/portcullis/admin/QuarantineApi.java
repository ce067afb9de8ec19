package io.portcullis.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.quarantine.Quarantine;
import io.portcullis.quarantine.QuarantineEntry;
import io.portcullis.quarantine.QuarantineFilter;
import io.portcullis.quarantine.SafePreview;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The quarantine over HTTP (token required, as all of {@code /api/}):
 * <ul>
 *   <li>{@code GET /api/quarantine?reason=&sender=&recipient=&subject=&since=&until=&min-score=&max-score=&offset=&limit=}
 *       — {@code {total, offset, limit, entries, time, actions}}, newest first ({@code limit} at most 1000, 50 by
 *       default); {@code time} is the gateway's clock when listed (a bulk action passes it as {@code until} to
 *       leave out what arrived since), {@code actions} the per-entry actions this build offers;</li>
 *   <li>{@code GET /api/quarantine/ID} — the entry and its journal; {@code /ID/preview} — headers,
 *       the text (HTML as text) and the attachments' names, types and sizes, as JSON;
 *       {@code /ID/raw} — the message as received, as a download ({@code ID.eml});</li>
 *   <li>{@code POST /api/quarantine/ID/release[?recipients=a@x,b@y]}, {@code POST /api/quarantine/ID/delete},
 *       {@code POST /api/quarantine/ID/release-and-allow-sender[?recipients=]} (the sender is added to
 *       each released recipient's allow list);</li>
 *   <li>{@code GET /api/quarantine/ID/link?recipient=a@x[&allow-sender=true]} — a signed single-use
 *       release (and, with allow-sender, always-allow) link's path ({@link ReleaseLinkPage}), for a digest;</li>
 *   <li>{@code POST /api/quarantine/actions/(release|release-and-allow-sender|delete)?FILTERS} — every matching entry; at
 *       least one filter, or {@code all=true}; answers the count ({@code recipients}, {@code offset} and {@code limit}
 *       are refused there: each would look like it narrows the action).</li>
 * </ul>
 * Every action is written to the audit log as {@code admin-api ADDRESS}.
 *
 * <p>{@code GET /api/quarantine/ID/html-link} answers a single-use path to the message's HTML body,
 * for the dashboard's sandboxed frame ({@link QuarantineHtmlView}).
 */
final class QuarantineApi {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 1000;
    /**
     * The actions {@code POST /ID/ACTION} takes, listed to the dashboard, which offers a button only
     * for those listed (its "release and allow the sender" calls {@code release-and-allow-sender}).
     */
    static final List<String> ACTIONS = List.of("release", "delete", "release-and-allow-sender");

    private final Quarantine quarantine;
    private final ObjectMapper json;
    private final io.portcullis.quarantine.ReleaseLinks links;
    private final java.time.Duration linkValidity;
    private final QuarantineHtmlView htmlView;

    QuarantineApi(Quarantine quarantine, ObjectMapper json, io.portcullis.quarantine.ReleaseLinks links,
                  java.time.Duration linkValidity) {
        this.quarantine = quarantine;
        this.json = json;
        this.links = links;
        this.linkValidity = linkValidity;
        this.htmlView = new QuarantineHtmlView(quarantine);
    }

    /** The sandboxed HTML documents that {@code /ID/html-link} grants, served at {@link QuarantineHtmlView#PATH}. */
    QuarantineHtmlView htmlView() {
        return htmlView;
    }

    void handle(Exchange exchange) throws IOException {
        String[] path = exchange.path().replaceAll("/+$", "").split("/");
        try {
            if (path.length == 3) {
                if (AdminServer.allowMethod(exchange, "GET", "HEAD")) {
                    list(exchange);
                }
            } else if (path.length == 5 && path[3].equals("actions")) {
                if (AdminServer.allowMethod(exchange, "POST")) {
                    bulk(exchange, path[4]);
                }
            } else if (path.length == 4) {
                if (AdminServer.allowMethod(exchange, "GET", "HEAD")) {
                    ok(exchange, Map.of("entry", quarantine.entry(path[3]), "journal", quarantine.journal(path[3])));
                }
            } else if (path.length == 5 && path[4].equals("link")) {
                if (AdminServer.allowMethod(exchange, "GET")) {
                    link(exchange, path[3]);
                }
            } else if (path.length == 5 && path[4].equals("html-link")) {
                if (AdminServer.allowMethod(exchange, "GET")) {
                    ok(exchange, Map.of("path", htmlView.grant(path[3])));
                }
            } else if (path.length == 5 && (path[4].equals("preview") || path[4].equals("raw"))) {
                if (AdminServer.allowMethod(exchange, "GET", "HEAD")) {
                    view(exchange, path[3], path[4]);
                }
            } else if (path.length == 5) {
                if (AdminServer.allowMethod(exchange, "POST")) {
                    action(exchange, path[3], path[4]);
                }
            } else {
                exchange.json(404, "{\"error\":\"no such resource\"}");
            }
        } catch (NoSuchFileException e) {
            exchange.json(404, "{\"error\":\"no such message in the quarantine\"}");
        } catch (IllegalArgumentException e) {
            exchange.json(400, json.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    private void list(Exchange exchange) throws IOException {
        Map<String, String> query = exchange.query();
        QuarantineFilter filter = filter(query);
        int offset = number(query, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = number(query, "limit", DEFAULT_PAGE, 0, MAX_PAGE);
        List<QuarantineEntry> entries = quarantine.list(filter, offset, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", quarantine.count(filter));
        body.put("offset", offset);
        body.put("limit", limit);
        body.put("entries", entries);
        body.put("time", links != null ? links.now() : java.time.Instant.now());
        body.put("actions", ACTIONS);
        ok(exchange, body);
    }

    private void view(Exchange exchange, String id, String what) throws IOException {
        if (what.equals("preview")) {
            ok(exchange, SafePreview.of(quarantine.message(id)));
            return;
        }
        quarantine.entry(id); // 404 before any header is set
        byte[] raw = quarantine.message(id).readAllBytes();
        exchange.response().getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"" + id + ".eml\"");
        exchange.response().getHeaders().put("X-Content-Type-Options", "nosniff");
        exchange.response().getHeaders().put("Content-Security-Policy", "sandbox; default-src 'none'");
        exchange.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        exchange.respond(200, "message/rfc822", raw);
    }

    /** A signed, single-use release link for one held recipient (what a digest carries). */
    private void link(Exchange exchange, String id) throws IOException {
        String recipient = exchange.query().get("recipient");
        QuarantineEntry entry = quarantine.entry(id);
        if (recipient == null || !entry.held().contains(recipient)) {
            throw new IllegalArgumentException("recipient: one of the entry's held recipients " + entry.held());
        }
        java.time.Instant expires = links.now().plus(linkValidity);
        boolean allowSender = "true".equals(exchange.query().get("allow-sender"));
        ok(exchange, Map.of("path", "/quarantine/release?token=" + links.sign(id, recipient, expires, allowSender),
                "expires", expires));
    }

    private void action(Exchange exchange, String id, String action) throws IOException {
        Quarantine.Outcome outcome = switch (action) {
            case "release" -> quarantine.release(id, recipients(exchange.query()), actor(exchange));
            case "delete" -> quarantine.delete(id, actor(exchange));
            case "release-and-allow-sender" -> quarantine.releaseAndAllow(id, recipients(exchange.query()), actor(exchange));
            default -> null;
        };
        if (outcome == null) {
            exchange.json(404, "{\"error\":\"unknown action\"}");
        } else {
            ok(exchange, outcome);
        }
    }

    private void bulk(Exchange exchange, String action) throws IOException {
        Map<String, String> query = exchange.query();
        for (String ignored : List.of("recipients", "offset", "limit")) {
            if (query.containsKey(ignored)) { // each would look like it narrows the action, and would be ignored
                throw new IllegalArgumentException(ignored + ": a bulk action takes every entry the filter matches, for every"
                        + " held recipient; narrow the filter instead (recipient=, until=, ...)");
            }
        }
        QuarantineFilter filter = filter(query);
        if (filter.isEmpty() && !"true".equals(query.get("all"))) {
            throw new IllegalArgumentException("a bulk action needs at least one filter ("
                    + String.join(", ", QuarantineFilter.PARAMETERS.stream().sorted().toList()) + ") or all=true");
        }
        Quarantine.Outcome outcome = switch (action) {
            case "release" -> quarantine.releaseAll(filter, actor(exchange));
            case "delete" -> quarantine.deleteAll(filter, actor(exchange));
            case "release-and-allow-sender" -> quarantine.releaseAllAndAllow(filter, actor(exchange));
            default -> throw new IllegalArgumentException("unknown action " + action
                    + " (release, release-and-allow-sender or delete)");
        };
        ok(exchange, outcome);
    }

    static QuarantineFilter filter(Map<String, String> query) {
        for (String name : query.keySet()) {
            if (!QuarantineFilter.PARAMETERS.contains(name) && !List.of("offset", "limit", "all", "recipients").contains(name)) {
                throw new IllegalArgumentException("unknown parameter " + name);
            }
        }
        return QuarantineFilter.parse(query);
    }

    private static List<String> recipients(Map<String, String> query) {
        String list = query.get("recipients");
        return list == null || list.isBlank() ? List.of()
                : Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Who an admin API action is recorded as: {@code admin-api} and the client's address. */
    static String actor(Exchange exchange) {
        java.net.SocketAddress remote = exchange.request().getConnectionMetaData().getRemoteSocketAddress();
        return "admin-api " + (remote instanceof java.net.InetSocketAddress address && address.getAddress() != null
                ? address.getAddress().getHostAddress() : String.valueOf(remote));
    }

    private static int number(Map<String, String> query, String name, int fallback, int min, int max) {
        String value = query.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.strip());
            if (number < min || number > max) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected a whole number from " + min + " to " + max);
        }
    }

    private void ok(Exchange exchange, Object body) throws IOException {
        exchange.json(200, json.writeValueAsString(body));
    }
}
