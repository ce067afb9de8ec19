package io.portcullis.policy;

import io.portcullis.config.Directory;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What the checks may know about the client.
 *
 * @param user       the authenticated user, or null
 * @param connection the rest of what the session knows of the connection (what a milter gets as
 *                   macros), or null where nobody gave it
 */
public record ClientFacts(InetAddress address, Directory.User user, Connection connection) {

    public ClientFacts(InetAddress address, Directory.User user) {
        this(address, user, null);
    }

    /**
     * @param port        the client's TCP port
     * @param local       our address the client connected to
     * @param hostname    the listener's host name (in the banner and our Received: fields)
     * @param tlsProtocol the TLS protocol once STARTTLS succeeded, or null
     * @param tlsCipher   the TLS cipher suite, or null
     * @param queueId     at {@code data}: the queue id of the message; null elsewhere
     */
    public record Connection(int port, InetSocketAddress local, String hostname, String tlsProtocol, String tlsCipher,
                             String queueId) {
    }

    public boolean isAuthenticated() {
        return user != null;
    }
}
