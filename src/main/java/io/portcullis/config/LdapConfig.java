package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An LDAP directory for AUTH (search the user, then bind as it) and for recipient validation.
 * Filters take {@code {0}} for the escaped address or login name.
 *
 * @param bindDn           service account for searches, or null for anonymous searches
 * @param sendAsAttribute  attribute whose values a user may send as (besides the login name)
 * @param startTls         with {@code ldap://}: StartTLS (RFC 4511 §4.14) before anything else; a
 *                         directory that refuses it is unavailable, never used in plain text
 * @param tlsTrust         PEM certificates that may sign the directory's certificate, or null for
 *                         the JVM's trust store; the certificate must name the URL's host either way
 * @param allowPlaintext   {@code ldap://} without StartTLS, sending passwords in clear (refused unless set)
 * @param cacheSize        recipient answers kept (the least recently used go first)
 * @param cacheTtl         how long a recipient answer is kept
 */
public record LdapConfig(String host, int port, boolean ldaps, String bindDn, String bindPassword, String baseDn,
                         String userFilter, String recipientFilter, String sendAsAttribute, Duration timeout,
                         boolean startTls, Path tlsTrust, boolean allowPlaintext, int cacheSize, Duration cacheTtl) {

    /** Does every connection carry TLS before a password is sent? */
    public boolean encrypted() {
        return ldaps || startTls;
    }

    @Override
    public String toString() {
        return "LdapConfig[" + (ldaps ? "ldaps" : "ldap") + "://" + host + ":" + port + (startTls ? " with StartTLS" : "")
                + ", baseDn=" + baseDn + "]";
    }
}
