package io.portcullis.auth;

import com.unboundid.ldap.sdk.BindResult;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import io.portcullis.config.Directory;
import io.portcullis.config.LdapConfig;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An LDAP directory of users and recipients (UnboundID LDAP SDK). AUTH searches the user's entry
 * with the service account, then binds as that entry with the given password, on a connection of
 * its own; recipient lookups are cached for a few minutes. Every value put into a filter is
 * escaped (RFC 4515), so an address cannot change the query. An unreachable directory is reported
 * as {@link DirectoryUnavailableException}: the session answers "try later", never "unknown".
 */
public final class LdapDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LdapDirectory.class);
    private static final long CACHE_NANOS = TimeUnit.MINUTES.toNanos(5);

    /** The directory could not answer; the caller must answer with a temporary failure. */
    public static final class DirectoryUnavailableException extends Exception {
        public DirectoryUnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    private record Cached(boolean exists, long expiresNanos) {
    }

    private final LdapConfig config;
    private final SocketFactory sockets;
    private final LDAPConnectionOptions options = new LDAPConnectionOptions();
    private volatile LDAPConnectionPool pool;
    private final ConcurrentHashMap<String, Cached> recipients = new ConcurrentHashMap<>();

    public LdapDirectory(LdapConfig config) throws GeneralSecurityException {
        this.config = config;
        this.sockets = config.ldaps() ? new SSLUtil(JVMDefaultTrustManager.getInstance()).createSSLSocketFactory()
                : SocketFactory.getDefault();
        options.setConnectTimeoutMillis((int) config.timeout().toMillis());
        options.setResponseTimeoutMillis(config.timeout().toMillis());
    }

    /** The user when the directory has exactly one entry for the name and the password binds as it. */
    public Optional<Directory.User> authenticate(String name, char[] password) throws DirectoryUnavailableException {
        if (password.length == 0) {
            return Optional.empty(); // an empty password would be an anonymous bind that "succeeds"
        }
        SearchResultEntry entry = findOne(config.userFilter(), name);
        if (entry == null) {
            return Optional.empty();
        }
        try (LDAPConnection connection = new LDAPConnection(sockets, options, config.host(), config.port())) {
            BindResult result = connection.bind(entry.getDN(), new String(password));
            if (result.getResultCode() != ResultCode.SUCCESS) {
                return Optional.empty();
            }
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                return Optional.empty();
            }
            throw unavailable(e);
        }
        List<String> sendAs = new ArrayList<>();
        if (name.contains("@")) {
            sendAs.add(name);
        }
        String[] values = entry.getAttributeValues(config.sendAsAttribute());
        if (values != null) {
            sendAs.addAll(List.of(values));
        }
        return Optional.of(new Directory.User(name, null, sendAs));
    }

    /** Does the directory know this recipient? */
    public boolean recipientExists(String address) throws DirectoryUnavailableException {
        String key = address.toLowerCase(Locale.ROOT);
        Cached cached = recipients.get(key);
        if (cached != null && cached.expiresNanos() - System.nanoTime() > 0) {
            return cached.exists();
        }
        boolean exists = findOne(config.recipientFilter(), address) != null;
        recipients.put(key, new Cached(exists, System.nanoTime() + CACHE_NANOS));
        return exists;
    }

    private SearchResultEntry findOne(String filterTemplate, String value) throws DirectoryUnavailableException {
        try {
            Filter filter = Filter.create(filterTemplate.replace("{0}", Filter.encodeValue(value)));
            SearchRequest request = new SearchRequest(config.baseDn(), SearchScope.SUB, filter, config.sendAsAttribute());
            request.setSizeLimit(2);
            request.setTimeLimitSeconds((int) Math.max(1, config.timeout().toSeconds()));
            SearchResult result = pool().search(request);
            return result.getEntryCount() == 1 ? result.getSearchEntries().getFirst() : null;
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED || e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return null;
            }
            throw unavailable(e);
        }
    }

    private LDAPConnectionPool pool() throws LDAPException {
        LDAPConnectionPool current = pool;
        if (current == null) {
            synchronized (this) {
                if (pool == null) {
                    LDAPConnection connection = new LDAPConnection(sockets, options, config.host(), config.port());
                    if (config.bindDn() != null) {
                        connection.bind(config.bindDn(), config.bindPassword());
                    }
                    pool = new LDAPConnectionPool(connection, 4);
                }
                current = pool;
            }
        }
        return current;
    }

    private DirectoryUnavailableException unavailable(LDAPException e) {
        log.warn("ldap: {}:{} did not answer: {}", config.host(), config.port(), e.getResultCode());
        return new DirectoryUnavailableException("LDAP " + e.getResultCode());
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
