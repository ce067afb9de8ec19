package io.portcullis.admin;

import io.portcullis.quarantine.Quarantine;
import io.portcullis.quarantine.QuarantineEntry;
import io.portcullis.quarantine.ReleaseLinks;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The public page behind a self-service release link ({@code /quarantine/release?token=T}, no
 * admin token: the signed link is the authority). GET only shows what would be released and a
 * button (mail scanners and previews fetch links; a GET must never act); POST spends the token
 * and releases the message to the link's one recipient (a "release and always allow" link also
 * adds the sender to that recipient's allow list). A virus hold is refused (403, the token left
 * unspent): an administrator releases it. The pages are minimal HTML with every
 * value escaped, no script, and a Content-Security-Policy that allows nothing but posting the
 * form back here.
 */
final class ReleaseLinkPage {
    private final Quarantine quarantine;
    private final ReleaseLinks links;

    ReleaseLinkPage(Quarantine quarantine, ReleaseLinks links) {
        this.quarantine = quarantine;
        this.links = links;
    }

    void handle(Exchange exchange) throws IOException {
        if (!AdminServer.allowMethod(exchange, "GET", "POST")) {
            return;
        }
        String token = exchange.query().get("token");
        try {
            if (exchange.method().equals("GET")) {
                ReleaseLinks.Link link = links.check(token);
                QuarantineEntry entry = quarantine.entry(link.id());
                if (!entry.selfReleasable()) {
                    adminOnly(exchange);
                    return;
                }
                page(exchange, 200, "<p>Release this message to <b>" + escape(link.recipient()) + "</b>"
                        + (link.allowSender() ? " and always allow its sender <b>" + escape(entry.sender()) + "</b>" : "")
                        + "?</p><p>From: "
                        + escape(entry.sender()) + "<br>Subject: " + escape(String.valueOf(entry.subject())) + "</p>"
                        + "<form method=\"post\" action=\"/quarantine/release?token=" + escape(token) + "\">"
                        + "<button type=\"submit\">" + (link.allowSender() ? "Release and always allow" : "Release")
                        + "</button></form>");
                return;
            }
            ReleaseLinks.Link link = links.check(token);
            if (!quarantine.entry(link.id()).selfReleasable()) { // gone (deleted, expired): the token stays unspent and says so
                adminOnly(exchange);
                return;
            }
            link = links.spend(token);
            String actor = "release-link " + link.recipient();
            Quarantine.Outcome outcome = link.allowSender()
                    ? quarantine.releaseAndAllow(link.id(), List.of(link.recipient()), actor)
                    : quarantine.release(link.id(), List.of(link.recipient()), actor);
            page(exchange, 200, (outcome.recipients() == 0 ? "<p>This message was already released.</p>"
                    : "<p>Released: the message is on its way to you.</p>")
                    + (outcome.allowed() > 0 ? "<p>Mail from this sender will no longer be held as spam for you.</p>" : ""));
        } catch (ReleaseLinks.RefusedLink e) {
            switch (e.refusal()) {
                case INVALID -> page(exchange, 404, "<p>This link is not valid.</p>");
                case EXPIRED -> page(exchange, 410, "<p>This link has expired.</p>");
                case USED -> page(exchange, 410, "<p>This link has already been used.</p>");
            }
        } catch (NoSuchFileException e) {
            page(exchange, 410, "<p>This message is no longer in the quarantine.</p>");
        }
    }

    /** A virus hold: not released by a link, whoever made it; the token stays unspent. */
    private static void adminOnly(Exchange exchange) {
        page(exchange, 403, "<p>This message was held as a virus: only your administrator can release it.</p>");
    }

    private static void page(Exchange exchange, int status, String body) {
        exchange.response().getHeaders().put("Content-Security-Policy",
                "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        exchange.response().getHeaders().put("X-Content-Type-Options", "nosniff");
        exchange.response().getHeaders().put("Referrer-Policy", "no-referrer");
        exchange.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        exchange.respond(status, "text/html; charset=utf-8", "<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<title>Quarantine</title></head><body>" + body + "</body></html>");
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
