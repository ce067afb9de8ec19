package io.portcullis.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.config.AdminConfig;
import io.portcullis.delivery.QueueService;
import io.portcullis.observe.Reports;
import io.portcullis.observe.Telemetry;
import io.portcullis.observe.TrackingSearch;
import io.portcullis.spool.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} and {@code /health} answer anyone on loopback and need the token from other
 * addresses; everything under {@code /api/} always needs it ({@code Authorization: Bearer TOKEN},
 * the scheme in any case). The dashboard page and its scripts are static files that show nothing
 * until the token is typed in; every figure they show comes from {@code /api/}. The token is
 * compared in constant time and never logged.
 *
 * <p>Nothing the port receives can reach the SMTP side: Jetty runs on its own
 * {@code admin.threads} platform threads (not the virtual-thread scheduler that carries SMTP
 * sessions), keeps at most {@code admin.max-connections} connections (more are answered 503 and
 * closed as they arrive), refuses a header over {@code admin.max-header-size} (431) and a body over
 * {@code admin.max-body-size} (413), and closes a connection whose request has not arrived whole
 * within {@code admin.request-timeout} ({@link ConnectionLimits}) or that stays silent for
 * {@code admin.idle-timeout}. Memory is thus bounded by connections times header and buffer sizes.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * What {@code /health} reports; {@code ready} decides 200 or 503. A draining node ({@code
     * portcullis drain}) is not ready, so a load balancer's health check takes it out.
     */
    public record Health(boolean ready, Map<String, Boolean> listeners, boolean spoolWritable, boolean diskHeadroom,
                         boolean draining, String node) {
    }

    private final Server server;
    private final ServerConnector connector;
    private final InetSocketAddress bind;
    private final byte[] tokenDigest;
    private final Telemetry telemetry;
    private final QueueApi queue;
    private final Supplier<Health> health;
    private volatile ClusterView cluster;
    private final Path reports;
    private final Path tracking;
    /** Every node's tracking and reports (the shared database), or null: this node's files. */
    private volatile io.portcullis.observe.ClusterReads acrossNodes;
    private final StaticFiles webjars = new StaticFiles("META-INF/resources/webjars/", "/webjars/");
    private final StaticFiles assets = new StaticFiles("io/portcullis/admin/", "/static/");
    private final Supplier<String> mtaStsPolicy;
    private volatile QuarantineApi quarantine;
    private volatile ReleaseLinkPage releaseLinks;

    public AdminServer(AdminConfig config, String token, Telemetry telemetry, QueueService queue,
                       Supplier<Health> health, Path reports, Path tracking) {
        this(config, token, telemetry, queue, health, reports, tracking, () -> null);
    }

    /**
     * @param mtaStsPolicy our MTA-STS policy file (RFC 8461 §3.2) for {@code /.well-known/mta-sts.txt},
     *                     answered without the token; null when none is configured (404)
     */
    public AdminServer(AdminConfig config, String token, Telemetry telemetry, QueueService queue,
                       Supplier<Health> health, Path reports, Path tracking, Supplier<String> mtaStsPolicy) {
        this.mtaStsPolicy = mtaStsPolicy;
        if (AdminConfig.tokenProblem(token) != null) {
            throw new IllegalArgumentException("admin token refused: " + AdminConfig.tokenProblem(token));
        }
        this.bind = config.bind();
        this.tokenDigest = sha256(token);
        this.telemetry = telemetry;
        this.queue = new QueueApi(queue, JSON);
        this.health = health;
        this.reports = reports;
        this.tracking = tracking;

        QueuedThreadPool threads = new QueuedThreadPool(config.threads(), 2);
        threads.setName("admin-http");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(config.maxHeaderSize());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(bind.getAddress().getHostAddress());
        connector.setPort(bind.getPort());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        ConnectionLimits limits = new ConnectionLimits(new Routes(), config.maxConnections(), config.requestTimeout(),
                config.maxBodySize());
        connector.addBean(limits);
        server.addConnector(connector);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowCauses(false);
        server.setErrorHandler(errors);
        server.setHandler(limits);
        server.setStopTimeout(0);
    }

    /** From now on, queue actions over the API are written to {@code audit} (the quarantine's audit log). */
    public void auditQueueActions(io.portcullis.quarantine.AuditLog audit) {
        queue.audit(audit);
    }

    /**
     * Serves the quarantine under {@code /api/quarantine} and its self-service release links at
     * {@code /quarantine/release} (404 until this is called).
     */
    /**
     * From now on the reports and the tracking search read every node's figures from {@code reads}
     * (the shared database); while it cannot be read, this node's own files answer.
     */
    public void readAcrossNodes(io.portcullis.observe.ClusterReads reads) {
        this.acrossNodes = reads;
    }

    private java.util.TreeMap<Instant, Map<String, io.portcullis.observe.HourlyAggregates.HourFigures>> hours(Instant since,
                                                                                                           Instant until) {
        io.portcullis.observe.ClusterReads reads = acrossNodes;
        if (reads != null) {
            try {
                return reads.hours(since, until);
            } catch (IOException e) {
                log.warn("reports: {}; showing this node's figures", e.getMessage());
            }
        }
        return io.portcullis.observe.HourlyAggregates.read(reports, since, until);
    }

    private TrackingSearch.Result search(TrackingSearch.Criteria criteria) throws IOException {
        io.portcullis.observe.ClusterReads reads = acrossNodes;
        if (reads != null) {
            try {
                return reads.search(criteria);
            } catch (IOException e) {
                log.warn("tracking: {}; searching this node's log", e.getMessage());
            }
        }
        return TrackingSearch.search(tracking, criteria);
    }

    public void serveQuarantine(io.portcullis.quarantine.Quarantine store, io.portcullis.quarantine.ReleaseLinks links,
                                java.time.Duration linkValidity) {
        this.quarantine = new QuarantineApi(store, JSON, links, linkValidity);
        this.releaseLinks = new ReleaseLinkPage(store, links);
    }

    /** {@code /api/cluster}: this node and its peers (see {@link ClusterView}). */
    public void serveCluster(ClusterView view) {
        this.cluster = view;
    }

    public void start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("admin server " + bind + ": " + e.getMessage(), e);
        }
        log.info("admin: http://{}:{}/ (metrics, health, API)", address().getHostString(), address().getPort());
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(bind.getAddress(), connector.getLocalPort());
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("admin: stopping the HTTP server: {}", e.toString());
        }
    }

    /** Every route; a failure is answered 500 and logged rather than dropping the connection silently. */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Exchange exchange = new Exchange(request, response, callback);
            try {
                route(exchange);
            } catch (IllegalArgumentException | DateTimeException e) {
                exchange.json(400, "{\"error\":" + quoted(String.valueOf(e.getMessage())) + "}");
            } catch (IOException | RuntimeException e) {
                log.error("admin: {} {} failed", exchange.method(), exchange.path(), e);
                if (!response.isCommitted()) {
                    exchange.json(500, "{\"error\":\"internal error, see the gateway log\"}");
                } else {
                    callback.failed(e);
                }
            }
            return true;
        }
    }

    private void route(Exchange exchange) throws IOException {
        String path = exchange.path();
        if (path.equals("/api") || path.startsWith("/api/")) {
            if (authorized(exchange, false)) {
                api(exchange, path);
            }
        } else if (path.equals("/metrics")) {
            if (authorized(exchange, true) && allowMethod(exchange, "GET", "HEAD")) {
                exchange.respond(200, "text/plain; version=0.0.4; charset=utf-8", telemetry.scrape());
            }
        } else if (path.equals("/health")) {
            if (authorized(exchange, true) && allowMethod(exchange, "GET", "HEAD")) {
                Health current = health.get();
                exchange.json(current.ready() ? 200 : 503, JSON.writeValueAsString(current));
            }
        } else if (path.equals("/quarantine/release") && releaseLinks != null) {
            releaseLinks.handle(exchange); // the signed link is the authority: no admin token
        } else if (path.equals(QuarantineHtmlView.PATH) && quarantine != null) {
            quarantine.htmlView().serve(exchange); // a single-use grant from the API is the authority
        } else if (!allowMethod(exchange, "GET", "HEAD")) {
            return;
        } else if (path.equals("/.well-known/mta-sts.txt")) {
            String policy = mtaStsPolicy.get(); // public by design (RFC 8461 §3.3), so no token
            if (policy == null) {
                exchange.respond(404, "text/plain", "not found");
            } else {
                exchange.respond(200, "text/plain", policy);
            }
        } else if (path.startsWith("/webjars/")) {
            webjars.serve(exchange);
        } else if (path.startsWith("/static/")) {
            assets.serve(exchange);
        } else if (path.equals("/dashboard")) {
            assets.serve(exchange, "dashboard.html");
        } else if (path.equals("/dashboard/quarantine")) {
            assets.serve(exchange, "quarantine.html");
        } else if (path.equals("/")) {
            exchange.response().getHeaders().put(HttpHeader.LOCATION, "/dashboard");
            exchange.respond(302, "text/plain", "");
        } else {
            exchange.respond(404, "text/plain", "not found");
        }
    }

    private void api(Exchange exchange, String path) throws IOException {
        if (path.equals("/api/queue") || path.startsWith("/api/queue/")) {
            queue.handle(exchange);
        } else if ((path.equals("/api/quarantine") || path.startsWith("/api/quarantine/")) && quarantine != null) {
            quarantine.handle(exchange);
        } else if (path.equals("/api/reports")) {
            if (allowMethod(exchange, "GET", "HEAD")) {
                Map<String, String> query = exchange.query();
                Instant until = query.containsKey("until") ? Instant.parse(query.get("until")) : Instant.now();
                Instant since = query.containsKey("since") ? Instant.parse(query.get("since")) : until.minus(Duration.ofDays(1));
                exchange.json(200, JSON.writeValueAsString(Reports.build(hours(since, until), query.getOrDefault("by", "hour"),
                        since, until)));
            }
        } else if (path.equals("/api/cluster") && cluster != null) {
            if (allowMethod(exchange, "GET", "HEAD")) {
                exchange.json(200, JSON.writeValueAsString(cluster.snapshot()));
            }
        } else if (path.equals("/api/summary")) {
            if (allowMethod(exchange, "GET", "HEAD")) {
                exchange.json(200, JSON.writeValueAsString(telemetry.summary()));
            }
        } else if (path.equals("/api/track")) {
            if (allowMethod(exchange, "GET", "HEAD")) {
                Map<String, String> q = exchange.query();
                telemetry.flushTracking();
                Instant until = Instant.now();
                Instant since = until.minus(Duration.ofHours(Long.parseLong(q.getOrDefault("hours", "24").replaceAll("\\D", "0"))));
                TrackingSearch.Result result = search(new TrackingSearch.Criteria(blank(q.get("sender")),
                        blank(q.get("recipient")), blank(q.get("message-id")), blank(q.get("queue-id")), blank(q.get("flow")),
                        blank(q.get("client")), since, until));
                exchange.json(200, JSON.writeValueAsString(result));
            }
        } else {
            exchange.json(404, "{\"error\":\"no such resource\"}");
        }
    }

    /** True when the method is one of {@code allowed}; otherwise answers 405 with the Allow header. */
    static boolean allowMethod(Exchange exchange, String... allowed) {
        if (List.of(allowed).contains(exchange.method())) {
            return true;
        }
        exchange.response().getHeaders().put(HttpHeader.ALLOW, String.join(", ", allowed));
        exchange.json(405, "{\"error\":\"method not allowed\"}");
        return false;
    }

    /** Loopback may read metrics and health without the token; everything else needs it. */
    private boolean authorized(Exchange exchange, boolean openOnLoopback) {
        if (openOnLoopback && exchange.fromLoopback()) {
            return true;
        }
        String offered = bearerToken(exchange.request().getHeaders().getValuesList(HttpHeader.AUTHORIZATION));
        // Both sides hashed first: the comparison takes the same time whatever the offered length.
        if (offered != null && MessageDigest.isEqual(sha256(offered), tokenDigest)) {
            return true;
        }
        exchange.response().getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"portcullis\"");
        exchange.json(401, "{\"error\":\"a valid admin token is required\"}");
        return false;
    }

    /**
     * The token of the one {@code Authorization: Bearer TOKEN} header (RFC 6750 §2.1; the scheme is
     * case-insensitive and followed by one or more spaces, RFC 9110 §11), or null when there is none,
     * more than one, another scheme, or nothing after the scheme.
     */
    static String bearerToken(List<String> authorization) {
        if (authorization.size() != 1) {
            return null;
        }
        String value = authorization.getFirst().strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            return null;
        }
        String token = value.substring(space + 1).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "\"bad request\"";
        }
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
