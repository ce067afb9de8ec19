package io.portcullis.auth;

import com.unboundid.ldap.sdk.BindResult;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import io.portcullis.config.Directory;
import io.portcullis.config.LdapConfig;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An LDAP directory of users and recipients (UnboundID LDAP SDK). AUTH searches the user's entry
 * with the service account, then binds as that entry with the given password, on a connection of
 * its own; recipient lookups are cached ({@code cache-size} answers for {@code cache-ttl}, least
 * recently used dropped first, so a stream of made-up recipients cannot grow memory). Every value
 * put into a filter is escaped (RFC 4515), so an address cannot change the query. An unreachable
 * directory is reported as {@link DirectoryUnavailableException}: the session answers "try later",
 * never "unknown".
 *
 * <p>Passwords go only over TLS: {@code ldaps://}, or {@code ldap://} with StartTLS done on every
 * connection before any bind; the directory's certificate must chain to the trusted certificates
 * and name the host of the URL (RFC 6125), checked in the handshake for LDAPS and StartTLS alike
 * ({@link LdapTls}). A directory that
 * refuses StartTLS is unavailable; nothing falls back to plain text. Plain {@code ldap://} needs
 * {@code allow-plaintext: true}.
 */
public final class LdapDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LdapDirectory.class);

    /** The directory could not answer; the caller must answer with a temporary failure. */
    public static final class DirectoryUnavailableException extends Exception {
        public DirectoryUnavailableException(String message) {
            super(message, null, false, false);
        }
    }

    private final LdapConfig config;
    private final SocketFactory sockets;
    private final SSLSocketFactory startTls;
    private final LDAPConnectionOptions options = new LDAPConnectionOptions();
    private volatile LDAPConnectionPool pool;
    private final ExpiringCache<String, Boolean> recipients;

    public LdapDirectory(LdapConfig config) throws GeneralSecurityException {
        if (!config.encrypted() && !config.allowPlaintext()) {
            throw new GeneralSecurityException("ldap://" + config.host() + " without StartTLS would send passwords in"
                    + " plain text (allow-plaintext is false)");
        }
        this.config = config;
        SSLSocketFactory tls = config.encrypted() ? LdapTls.socketFactory(config.tlsTrust()) : null;
        this.sockets = config.ldaps() ? tls : SocketFactory.getDefault();
        this.startTls = config.startTls() ? tls : null;
        options.setConnectTimeoutMillis((int) config.timeout().toMillis());
        options.setResponseTimeoutMillis(config.timeout().toMillis());
        this.recipients = new ExpiringCache<>(config.cacheSize(), config.cacheTtl());
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
        try (LDAPConnection connection = connect()) {
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
        Boolean cached = recipients.get(key);
        if (cached != null) {
            return cached;
        }
        boolean exists = findOne(config.recipientFilter(), address) != null;
        recipients.put(key, exists);
        return exists;
    }

    /** Recipient answers held in the cache now (at most {@code cache-size}). */
    int cachedRecipients() {
        return recipients.size();
    }

    /** A new connection, already under TLS (LDAPS, or StartTLS done and verified); never bound. */
    private LDAPConnection connect() throws LDAPException {
        LDAPConnection connection = new LDAPConnection(sockets, options, config.host(), config.port());
        try {
            startTls(connection);
            return connection;
        } catch (LDAPException e) {
            connection.close();
            throw e;
        }
    }

    /** StartTLS when configured; an error (never a fallback to plain text) when the directory refuses it. */
    private void startTls(LDAPConnection connection) throws LDAPException {
        if (startTls == null) {
            return;
        }
        ExtendedResult result = connection.processExtendedOperation(new StartTLSExtendedRequest(startTls));
        if (result.getResultCode() != ResultCode.SUCCESS) {
            throw new LDAPException(result.getResultCode(), "the directory refused StartTLS: " + result.getDiagnosticMessage());
        }
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
                    LDAPConnection connection = connect();
                    try {
                        if (config.bindDn() != null) {
                            connection.bind(config.bindDn(), config.bindPassword());
                        }
                    } catch (LDAPException e) {
                        connection.close();
                        throw e;
                    }
                    // connections the pool adds later do StartTLS before the pool binds them
                    pool = new LDAPConnectionPool(connection, 1, 4, startTls == null ? null : new PostConnectProcessor() {
                        @Override
                        public void processPreAuthenticatedConnection(LDAPConnection added) throws LDAPException {
                            startTls(added);
                        }

                        @Override
                        public void processPostAuthenticatedConnection(LDAPConnection added) {
                        }
                    });
                }
                current = pool;
            }
        }
        return current;
    }

    private DirectoryUnavailableException unavailable(LDAPException e) {
        log.warn("ldap: {}:{} did not answer: {} ({})", config.host(), config.port(), e.getResultCode(), e.getMessage());
        return new DirectoryUnavailableException("LDAP " + e.getResultCode());
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }
}
