/**
 * Authentication: bcrypt password hashes, the user store (users written in the configuration and
 * the users file managed by {@code portcullis user}), the LDAP directory (over verified TLS only),
 * and brute-force throttling per client source, per user from a source and per user
 * ({@code AuthThrottle}: in this process {@code LocalAuthThrottle}, kept in bounded expiring maps,
 * {@code ExpiringCache}; shared by several nodes, {@code redis.RedisAuthThrottle}). The SASL
 * exchange itself is protocol and lives in {@code session}.
 *
 * <p>Secrets never leave this package in a form that could be logged: {@link
 * io.portcullis.config.Directory.User#toString()} omits the hash, and nothing here logs a
 * password. Depends on {@code config}.
 */
package io.portcullis.auth;
