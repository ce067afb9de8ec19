package io.portcullis.session;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The trace field we prepend to every accepted message (RFC 5321 §4.4, RFC 5322 §3.6.7). */
final class ReceivedHeader {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private ReceivedHeader() {
    }

    /**
     * @param recipient named in a "for" clause only when the message has exactly one recipient, so
     *                  a copy never discloses the other recipients
     */
    static byte[] format(ClientConnection client, String byHost, String protocol, String queueId,
                         String recipient, ZonedDateTime when) {
        StringBuilder header = new StringBuilder(256);
        header.append("Received: from ").append(client.helo).append(" (").append(client.addressLiteral());
        if (client.isTls()) {
            header.append("\r\n\t(using ").append(client.tlsProtocol).append(" with cipher ").append(client.tlsCipher);
            header.append(')');
        }
        header.append(")\r\n\tby ").append(byHost).append(" (Portcullis) with ").append(protocol)
                .append(" id ").append(queueId);
        if (recipient != null) {
            header.append("\r\n\tfor <").append(recipient).append('>');
        }
        header.append("; ").append(DATE.format(when)).append("\r\n");
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }
}
