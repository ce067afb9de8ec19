package io.portcullis.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The people the gateway knows: users who may authenticate (with the addresses they may send
 * as), the valid recipients of our domains, and senders the Internet may never use.
 *
 * @param usersFile        YAML file of users managed by {@code portcullis user}, relative to the
 *                         data directory; may not exist yet
 * @param inlineUsers      users written into the configuration itself (the embedded demo user)
 * @param recipients       known recipients of our domains
 * @param recipientsFile   a file with one known recipient per line, or null
 * @param protectedSenders addresses outside our domains that the Internet may not use as sender
 * @param ldap             an LDAP directory of users and recipients, or null
 * @param authThrottle     how AUTH guessing by these users' attackers is throttled
 */
public record Directory(Path usersFile, List<User> inlineUsers, List<String> recipients, Path recipientsFile,
                        List<String> protectedSenders, LdapConfig ldap, AuthThrottleConfig authThrottle) {

    /**
     * @param passwordHash bcrypt ($2a$/$2b$/$2y$)
     * @param sendAs       addresses ("a@example.test") and domains ("@example.test") it may send as
     */
    public record User(String name, String passwordHash, List<String> sendAs) {
        public User {
            sendAs = List.copyOf(sendAs);
        }

        @Override
        public String toString() {
            return "User[" + name + ", sendAs=" + sendAs + "]";
        }
    }

    public Directory {
        inlineUsers = List.copyOf(inlineUsers);
        recipients = List.copyOf(recipients);
        protectedSenders = List.copyOf(protectedSenders);
    }
}
