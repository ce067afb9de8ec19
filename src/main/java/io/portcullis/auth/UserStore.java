package io.portcullis.auth;

import io.portcullis.config.Directory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users who may authenticate: those written in the configuration, then those in the users file,
 * which is re-read when it changes, so {@code portcullis user add} takes effect at once, then the
 * LDAP directory when one is configured. Names compare without case.
 */
public final class UserStore {
    private static final Logger log = LoggerFactory.getLogger(UserStore.class);

    private final List<Directory.User> inline;
    private final Path file;
    private volatile Map<String, Directory.User> users = Map.of();
    private static final FileTime NO_FILE = FileTime.fromMillis(0);
    private volatile FileTime loadedVersion;

    private final LdapDirectory ldap;

    /** @param ldap consulted for names the local users do not have; null for none */
    public UserStore(List<Directory.User> inline, Path file, LdapDirectory ldap) {
        this.inline = List.copyOf(inline);
        this.file = file;
        this.ldap = ldap;
        reloadIfChanged();
    }

    /**
     * The user when name and password match; empty otherwise, after the same bcrypt work either
     * way. Names the local users lack are tried against LDAP, when there is one.
     */
    public Optional<Directory.User> authenticate(String name, char[] password)
            throws LdapDirectory.DirectoryUnavailableException {
        reloadIfChanged();
        Directory.User user = users.get(name.toLowerCase(Locale.ROOT));
        if (user == null && ldap != null) {
            return ldap.authenticate(name, password);
        }
        boolean valid = PasswordHashes.verify(user == null ? null : user.passwordHash(), password);
        return valid ? Optional.of(user) : Optional.empty();
    }

    public boolean exists(String name) {
        reloadIfChanged();
        return users.containsKey(name.toLowerCase(Locale.ROOT));
    }

    private void reloadIfChanged() {
        try {
            FileTime version = Files.exists(file) ? Files.getLastModifiedTime(file) : NO_FILE;
            if (version.equals(loadedVersion)) {
                return;
            }
            Map<String, Directory.User> loaded = new LinkedHashMap<>();
            inline.forEach(user -> loaded.put(user.name().toLowerCase(Locale.ROOT), user));
            for (Directory.User user : UsersFile.read(file)) {
                loaded.putIfAbsent(user.name().toLowerCase(Locale.ROOT), user);
            }
            users = Map.copyOf(loaded);
            loadedVersion = version;
        } catch (IOException e) {
            log.error("users: cannot read {}: {}; keeping the users loaded before", file, e.getMessage());
        }
    }
}
