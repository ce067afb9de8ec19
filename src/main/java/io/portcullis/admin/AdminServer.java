package io.portcullis.admin;

import io.portcullis.spool.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.portcullis.delivery.QueueService;
import io.portcullis.observe.Reports;
import io.portcullis.observe.Telemetry;
import io.portcullis.observe.TrackingSearch;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} and {@code /health} answer anyone on loopback and need the token from other
 * addresses; everything under {@code /api/} always needs it ({@code Authorization: Bearer TOKEN}).
 * The dashboard page and its scripts are static files that show nothing until the token is typed
 * in; every figure they show comes from {@code /api/}. The token is compared in constant time and
 * never logged.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    /** What {@code /health} reports; {@code ready} decides 200 or 503. */
    public record Health(boolean ready, Map<String, Boolean> listeners, boolean spoolWritable, boolean diskHeadroom) {
    }

    private final Logged server;
    private final byte[] token;

    public AdminServer(InetSocketAddress bind, String token, Telemetry telemetry, QueueService queue,
                       Supplier<Health> health, Path reports, Path tracking) throws IOException {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        server = new Logged(HttpServer.create(bind, 64));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/metrics", exchange -> {
            if (allowed(exchange, true)) {
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", telemetry.scrape());
            }
        });
        server.createContext("/health", exchange -> {
            if (allowed(exchange, true)) {
                Health current = health.get();
                respond(exchange, current.ready() ? 200 : 503, "application/json", JSON.writeValueAsString(current));
            }
        });
        server.createContext("/api/reports", exchange -> {
            if (allowed(exchange, false)) {
                Map<String, String> query = QueueApi.query(exchange);
                Instant until = query.containsKey("until") ? Instant.parse(query.get("until")) : Instant.now();
                Instant since = query.containsKey("since") ? Instant.parse(query.get("since")) : until.minus(Duration.ofDays(1));
                try {
                    respond(exchange, 200, "application/json", JSON.writeValueAsString(
                            Reports.build(reports, query.getOrDefault("by", "hour"), since, until)));
                } catch (IllegalArgumentException e) {
                    respond(exchange, 400, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
                }
            }
        });
        server.createContext("/api/summary", exchange -> {
            if (allowed(exchange, false)) {
                respond(exchange, 200, "application/json", JSON.writeValueAsString(telemetry.summary()));
            }
        });
        server.createContext("/api/track", exchange -> {
            if (allowed(exchange, false)) {
                Map<String, String> q = QueueApi.query(exchange);
                telemetry.flushTracking();
                Instant until = Instant.now();
                Instant since = until.minus(Duration.ofHours(Long.parseLong(q.getOrDefault("hours", "24").replaceAll("\\D", "0"))));
                TrackingSearch.Result result = TrackingSearch.search(tracking, new TrackingSearch.Criteria(blank(q.get("sender")),
                        blank(q.get("recipient")), blank(q.get("message-id")), blank(q.get("queue-id")), blank(q.get("flow")),
                        since, until));
                respond(exchange, 200, "application/json", JSON.writeValueAsString(result));
            }
        });
        server.createContext("/webjars/", new StaticFiles("META-INF/resources/webjars/", "/webjars/"));
        server.createContext("/static/", new StaticFiles("io/portcullis/admin/", "/static/"));
        server.createContext("/dashboard", exchange -> new StaticFiles("io/portcullis/admin/", "/")
                .serve(exchange, "dashboard.html"));
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/")) {
                exchange.getResponseHeaders().set("Location", "/dashboard");
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            } else {
                respond(exchange, 404, "text/plain", "not found");
            }
        });
        server.createContext("/api/queue", exchange -> {
            if (allowed(exchange, false)) {
                new QueueApi(queue, JSON).handle(exchange);
            }
        });
    }

    public void start() {
        server.start();
        log.info("admin: http://{}:{}/ (metrics, health, API)", server.getAddress().getHostString(), server.getAddress().getPort());
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Loopback may read metrics and health without the token; everything else needs it. */
    private boolean allowed(HttpExchange exchange, boolean openOnLoopback) throws IOException {
        if (openOnLoopback && exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] offered = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (MessageDigest.isEqual(offered, token)) {
            return true;
        }
        exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"portcullis\"");
        respond(exchange, 401, "application/json", "{\"error\":\"a valid admin token is required\"}");
        return false;
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Every handler answers 500 and logs the cause instead of dropping the connection silently. */
    private static final class Logged {
        private final HttpServer server;

        Logged(HttpServer server) {
            this.server = server;
        }

        void createContext(String path, com.sun.net.httpserver.HttpHandler handler) {
            server.createContext(path, exchange -> {
                try {
                    handler.handle(exchange);
                } catch (IOException | RuntimeException e) {
                    log.error("admin: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                    try {
                        respond(exchange, 500, "application/json", "{\"error\":\"internal error, see the gateway log\"}");
                    } catch (IOException | RuntimeException ignored) {
                        // the client went away
                    }
                }
            });
        }

        void setExecutor(java.util.concurrent.Executor executor) {
            server.setExecutor(executor);
        }

        void start() {
            server.start();
        }

        InetSocketAddress getAddress() {
            return server.getAddress();
        }

        void stop(int delay) {
            server.stop(delay);
        }
    }
}
