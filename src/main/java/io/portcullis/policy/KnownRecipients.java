package io.portcullis.policy;

import io.portcullis.auth.LdapDirectory;
import io.portcullis.smtp.DomainName;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The valid recipients of our domains: a list from the configuration, a file of one address per
 * line ({@code #} comments, re-read when it changes) and the LDAP directory when there is one.
 * Addresses compare without case.
 */
public final class KnownRecipients {
    private final Set<String> configured;
    private final ListFile<String> file;

    private final LdapDirectory ldap;

    /** @param ldap asked about addresses neither list has; null for none */
    public KnownRecipients(List<String> addresses, Path file, LdapDirectory ldap) {
        this.ldap = ldap;
        Set<String> lower = new HashSet<>();
        addresses.forEach(a -> lower.add(key(a)));
        this.configured = Set.copyOf(lower);
        this.file = file == null ? null : new ListFile<>(file, KnownRecipients::key, Set::copyOf);
    }

    public boolean contains(String address) throws LdapDirectory.DirectoryUnavailableException {
        String key = key(address);
        return configured.contains(key) || fileAddresses().contains(key) || (ldap != null && ldap.recipientExists(key));
    }

    /** The address lower-cased, its domain in canonical A-label form, so every spelling of it is one key. */
    private static String key(String address) {
        int at = address.lastIndexOf('@');
        String canonical = at < 0 ? null : DomainName.canonical(address.substring(at + 1));
        return canonical == null ? address.toLowerCase(Locale.ROOT)
                : address.substring(0, at).toLowerCase(Locale.ROOT) + "@" + canonical;
    }

    private Set<String> fileAddresses() {
        return file == null ? Set.of() : file.current();
    }
}
