package io.portcullis.admin;

import io.portcullis.quarantine.Quarantine;
import io.portcullis.quarantine.SafePreview;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The HTML body of a held message as a document of its own, for the dashboard's
 * {@code <iframe sandbox>}: the one place a held message's markup reaches a browser.
 *
 * <p>A frame cannot send the admin token, so the dashboard first asks the API (with the token) for
 * a grant: {@code GET /api/quarantine/ID/html-link} answers {@code /quarantine/html?token=T}, where
 * T is 32 random octets naming that one entry, good for one request within {@value #VALIDITY_SECONDS}
 * seconds, kept in memory only (at most {@value #MAX_GRANTS}; a restart forgets them). Anything
 * else is answered 404 with nothing about why.
 *
 * <p>The document is hostile, so it is served inert whatever frames it: {@link #POLICY} sandboxes
 * it (no scripts, forms, plugins, popups or navigation of other frames; an opaque origin that
 * cannot read the dashboard or call the API) and allows no load from anywhere (images only as
 * {@code data:}, styles only inline), {@code nosniff} keeps it HTML-as-declared, and it is never
 * cached or given a referrer. The dashboard's frame adds its own {@code sandbox} attribute with no
 * permission, so either defence alone holds.
 */
final class QuarantineHtmlView {
    static final int VALIDITY_SECONDS = 60;
    static final int MAX_GRANTS = 256;
    static final String PATH = "/quarantine/html";
    static final String POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            + "form-action 'none'; base-uri 'none'; frame-ancestors 'self'";
    private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
    /**
     * Start and end tags of the elements that navigate or fetch by themselves (the HTML tokenizer
     * ends a tag name at white space, "/" or ">"; CR becomes LF before it).
     */
    private static final Pattern NAVIGATING = Pattern.compile(
            "(?i)<(/?)(a|area|base|embed|frame|frameset|iframe|link|meta|object|portal)(?=[\\t\\n\\f\\r />])");

    private record Grant(String id, long expiresNanos) {
    }

    private final Quarantine quarantine;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Grant> grants = new LinkedHashMap<>();

    QuarantineHtmlView(Quarantine quarantine) {
        this.quarantine = quarantine;
    }

    /** A single-use path to the HTML body of {@code id}; 404 (NoSuchFileException) when there is none. */
    String grant(String id) throws IOException {
        if (SafePreview.htmlSource(quarantine.message(id)) == null) {
            throw new NoSuchFileException("no HTML body: " + id);
        }
        byte[] octets = new byte[32];
        random.nextBytes(octets);
        String token = ENCODE.encodeToString(octets);
        long now = System.nanoTime();
        synchronized (grants) {
            grants.values().removeIf(g -> now - g.expiresNanos() >= 0);
            Iterator<String> oldest = grants.keySet().iterator();
            while (grants.size() >= MAX_GRANTS && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
            }
            grants.put(token, new Grant(id, now + Duration.ofSeconds(VALIDITY_SECONDS).toNanos()));
        }
        return PATH + "?token=" + token;
    }

    /** {@code GET /quarantine/html?token=T}: the document once, or 404. */
    void serve(Exchange exchange) throws IOException {
        if (!AdminServer.allowMethod(exchange, "GET")) {
            return;
        }
        String token = exchange.query().get("token");
        Grant grant;
        synchronized (grants) {
            grant = token == null ? null : grants.remove(token);
        }
        String html = null;
        if (grant != null && System.nanoTime() - grant.expiresNanos() < 0) {
            try {
                html = inert(SafePreview.htmlSource(quarantine.message(grant.id())));
            } catch (NoSuchFileException e) {
                html = null; // released or deleted since the grant
            }
        }
        exchange.response().getHeaders().put("Content-Security-Policy", POLICY);
        exchange.response().getHeaders().put("X-Content-Type-Options", "nosniff");
        exchange.response().getHeaders().put("X-DNS-Prefetch-Control", "off");
        exchange.response().getHeaders().put("Referrer-Policy", "no-referrer");
        exchange.response().getHeaders().put("Cross-Origin-Resource-Policy", "same-origin");
        if (html == null) {
            exchange.respond(404, "text/plain; charset=utf-8", "not found");
        } else {
            exchange.respond(200, "text/html; charset=utf-8", html);
        }
    }

    /**
     * The one change made to the markup: the elements that navigate or fetch by themselves
     * ({@code a, area, base, embed, frame, frameset, iframe, link, meta, object, portal}) become
     * unknown, inert elements with the same content. The sandbox and CSP stop what they would load,
     * but Chromium opens a connection to the target of a frame's navigation ({@code <iframe src>},
     * a clicked link) or of {@code <link rel=preconnect>} before CSP refuses it, and an opened
     * connection tells the sender the message was looked at, and from where.
     */
    static String inert(String html) {
        return html == null ? null : NAVIGATING.matcher(html).replaceAll("<$1portcullis-inert-$2");
    }
}
