package io.portcullis.policy;

import io.portcullis.config.Directory;
import java.net.InetAddress;

/**
 * What the checks may know about the client.
 *
 * @param user the authenticated user, or null
 */
public record ClientFacts(InetAddress address, Directory.User user) {
    public boolean isAuthenticated() {
        return user != null;
    }
}
