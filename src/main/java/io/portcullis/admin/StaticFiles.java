package io.portcullis.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.regex.Pattern;

/**
 * Files from the class path: the dashboard and the chart libraries from their WebJars, so the
 * page needs nothing from outside the jar. Only plain relative names are served (no "..").
 */
final class StaticFiles implements HttpHandler {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    private final String resourceRoot;
    private final String urlPrefix;

    StaticFiles(String resourceRoot, String urlPrefix) {
        this.resourceRoot = resourceRoot;
        this.urlPrefix = urlPrefix;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        serve(exchange, exchange.getRequestURI().getPath().substring(urlPrefix.length()));
    }

    void serve(HttpExchange exchange, String name) throws IOException {
        if (!SAFE.matcher(name).matches() || name.contains("..")) {
            AdminServer.respond(exchange, 404, "text/plain", "not found");
            return;
        }
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(resourceRoot + name)) {
            if (in == null) {
                AdminServer.respond(exchange, 404, "text/plain", "not found");
                return;
            }
            byte[] body = in.readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", contentType(name));
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "application/octet-stream";
    }
}
