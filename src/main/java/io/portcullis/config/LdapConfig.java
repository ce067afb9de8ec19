package io.portcullis.config;

import java.time.Duration;

/**
 * An LDAP directory for AUTH (search the user, then bind as it) and for recipient validation.
 * Filters take {@code {0}} for the escaped address or login name.
 *
 * @param bindDn           service account for searches, or null for anonymous searches
 * @param sendAsAttribute  attribute whose values a user may send as (besides the login name)
 */
public record LdapConfig(String host, int port, boolean ldaps, String bindDn, String bindPassword, String baseDn,
                         String userFilter, String recipientFilter, String sendAsAttribute, Duration timeout) {
    @Override
    public String toString() {
        return "LdapConfig[" + (ldaps ? "ldaps" : "ldap") + "://" + host + ":" + port + ", baseDn=" + baseDn + "]";
    }
}
