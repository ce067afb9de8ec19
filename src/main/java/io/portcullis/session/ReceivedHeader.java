package io.portcullis.session;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

/** The trace field we prepend to every accepted message (RFC 5321 §4.4, RFC 5322 §3.6.7). */
final class ReceivedHeader {
    static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    /**
     * What a TLS protocol or cipher suite name may look like in the header: JSSE's names
     * ({@code TLSv1.3}, {@code TLS_AES_256_GCM_SHA384}) are atoms of this kind. Anything else (a
     * line break, a parenthesis that would end the comment) is never written.
     */
    private static final Pattern TLS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private ReceivedHeader() {
    }

    /**
     * @param recipient named in a "for" clause only when the message has exactly one recipient, so
     *                  a copy never discloses the other recipients
     */
    static byte[] format(ClientConnection client, String byHost, String protocol, String queueId,
                         String recipient, ZonedDateTime when) {
        StringBuilder header = new StringBuilder(256);
        header.append("Received: from ").append(client.helo).append(" (").append(client.addressLiteral()).append(')');
        if (client.isTls()) {
            // The TLS facts of the hop, as Postfix writes them (a comment of its own after the
            // client's), so readers of Postfix headers find them; the "with ESMTPS" protocol
            // (RFC 3848) says the same for programs.
            header.append("\r\n\t(using ").append(tlsName(client.tlsProtocol)).append(" with cipher ")
                    .append(tlsName(client.tlsCipher)).append(')');
        }
        header.append("\r\n\tby ").append(byHost).append(" (Portcullis) with ").append(protocol)
                .append(" id ").append(queueId);
        if (recipient != null) {
            header.append("\r\n\tfor <").append(recipient).append('>');
        }
        header.append("; ").append(DATE.format(when)).append("\r\n");
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A protocol or suite name from the TLS engine, or "unknown" when it is not a plain name. */
    static String tlsName(String name) {
        return name != null && TLS_NAME.matcher(name).matches() ? name : "unknown";
    }
}
