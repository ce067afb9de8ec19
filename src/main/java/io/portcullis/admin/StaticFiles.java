package io.portcullis.admin;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Files from the class path: the dashboard and the chart libraries from their WebJars, so the
 * page needs nothing from outside the jar. Only plain relative names are served (no "..").
 */
final class StaticFiles {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    private final String resourceRoot;
    private final String urlPrefix;

    StaticFiles(String resourceRoot, String urlPrefix) {
        this.resourceRoot = resourceRoot;
        this.urlPrefix = urlPrefix;
    }

    /** Serves the file named by what follows the URL prefix in the exchange's path. */
    void serve(Exchange exchange) throws IOException {
        serve(exchange, exchange.path().substring(urlPrefix.length()));
    }

    void serve(Exchange exchange, String name) throws IOException {
        if (!SAFE.matcher(name).matches() || name.contains("..")) {
            exchange.respond(404, "text/plain", "not found");
            return;
        }
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(resourceRoot + name)) {
            if (in == null) {
                exchange.respond(404, "text/plain", "not found");
                return;
            }
            byte[] body = in.readAllBytes();
            exchange.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            exchange.response().getHeaders().put("Content-Security-Policy",
                    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
            exchange.respond(200, contentType(name), body);
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
