package io.portcullis.policy;

import io.portcullis.auth.LdapDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The valid recipients of our domains: a list from the configuration, a file of one address per
 * line ({@code #} comments, re-read when it changes) and the LDAP directory when there is one.
 * Addresses compare without case.
 */
public final class KnownRecipients {
    private static final Logger log = LoggerFactory.getLogger(KnownRecipients.class);

    private final Set<String> configured;
    private final Path file;
    private volatile Set<String> fromFile = Set.of();
    private volatile FileTime loadedVersion;

    private final LdapDirectory ldap;

    /** @param ldap asked about addresses neither list has; null for none */
    public KnownRecipients(List<String> addresses, Path file, LdapDirectory ldap) {
        this.ldap = ldap;
        Set<String> lower = new HashSet<>();
        addresses.forEach(a -> lower.add(a.toLowerCase(Locale.ROOT)));
        this.configured = Set.copyOf(lower);
        this.file = file;
    }

    public boolean contains(String address) throws LdapDirectory.DirectoryUnavailableException {
        String key = address.toLowerCase(Locale.ROOT);
        return configured.contains(key) || fileAddresses().contains(key) || (ldap != null && ldap.recipientExists(key));
    }

    private Set<String> fileAddresses() {
        if (file == null) {
            return Set.of();
        }
        try {
            FileTime version = Files.getLastModifiedTime(file);
            if (!version.equals(loadedVersion)) {
                Set<String> addresses = new HashSet<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String entry = line.strip();
                    if (!entry.isEmpty() && !entry.startsWith("#")) {
                        addresses.add(entry.toLowerCase(Locale.ROOT));
                    }
                }
                fromFile = Set.copyOf(addresses);
                loadedVersion = version;
            }
        } catch (IOException e) {
            log.error("recipients: cannot read {}: {}; keeping the list loaded before", file, e.toString());
        }
        return fromFile;
    }
}
