package io.portcullis.session;

import io.portcullis.config.Directory;
import io.portcullis.policy.ClientFacts;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * What the session knows about its client, gathered as the conversation goes: address, the name
 * it gave in EHLO/HELO, and the TLS facts once STARTTLS succeeded. Typed fields, no attribute map.
 */
final class ClientConnection {
    /** The client: the TCP peer, or the client a trusted proxy named in its PROXY header. */
    InetSocketAddress remote;
    /** Our address the client connected to. */
    InetSocketAddress local;
    String helo;
    boolean esmtp;
    String tlsProtocol;
    String tlsCipher;
    /** The authenticated user, or null. */
    Directory.User user;

    ClientConnection(InetSocketAddress remote) {
        this.remote = remote;
    }

    String address() {
        return remote.getAddress().getHostAddress();
    }

    /** The address as an RFC 5321 address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
    String addressLiteral() {
        return remote.getAddress() instanceof Inet6Address ? "[IPv6:" + address() + "]" : "[" + address() + "]";
    }

    ClientFacts facts(String hostname, String queueId) {
        return new ClientFacts(remote.getAddress(), user,
                new ClientFacts.Connection(remote.getPort(), local, hostname, tlsProtocol, tlsCipher, queueId));
    }

    boolean isTls() {
        return tlsProtocol != null;
    }

    /** The "with" protocol of the Received header (RFC 3848, RFC 6531 §3.7.3). */
    String receivedProtocol(boolean smtpUtf8) {
        String base = !esmtp ? "SMTP" : smtpUtf8 ? "UTF8SMTP" : "ESMTP";
        String secured = isTls() ? base + "S" : base;
        return user != null ? secured + "A" : secured;
    }
}
