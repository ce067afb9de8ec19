package io.portcullis.admin;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request and its answer: Jetty's request, response and callback, with the few things the
 * routes need. Exactly one {@code respond} per exchange completes it.
 */
record Exchange(Request request, Response response, Callback callback) {

    /** The decoded path, with "." and ".." segments resolved (Jetty refuses ambiguous ones with 400). */
    String path() {
        return request.getHttpURI().getCanonicalPath();
    }

    String method() {
        return request.getMethod();
    }

    boolean fromLoopback() {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress address && address.getAddress() != null
                && address.getAddress().isLoopbackAddress();
    }

    /** The query's parameters, decoded; the last of a repeated name wins. */
    Map<String, String> query() {
        Map<String, String> parameters = new HashMap<>();
        String raw = request.getHttpURI().getQuery();
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

    void respond(int status, String contentType, String body) {
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        respond(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    void respond(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    void json(int status, String body) {
        respond(status, "application/json", body);
    }
}
