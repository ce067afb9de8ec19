package io.portcullis.app;

import io.portcullis.auth.AuthThrottle;
import io.portcullis.auth.LdapDirectory;
import io.portcullis.auth.UserStore;
import io.portcullis.config.Directory;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.config.TlsConfig;
import io.portcullis.content.ContentChain;
import io.portcullis.config.CheckConfig;
import io.portcullis.content.ContentCheck;
import io.portcullis.content.ContentChecks;
import io.portcullis.content.authentication.AuthenticationCheck;
import io.portcullis.listener.Renegotiation;
import io.portcullis.listener.ServerTlsContext;
import io.portcullis.listener.TlsContexts;
import io.portcullis.observe.Telemetry;
import io.portcullis.content.authentication.SpfEvaluator;
import io.portcullis.content.authentication.SpfResult;
import io.portcullis.dns.DnsLookup;
import io.portcullis.policy.BuiltInChecks;
import io.portcullis.policy.GreylistStore;
import io.portcullis.policy.KnownRecipients;
import io.portcullis.policy.PhaseCheck;
import io.portcullis.policy.PhaseChecks;
import io.portcullis.policy.RecipientCheck;
import io.portcullis.policy.SenderCheck;
import io.portcullis.policy.SpfAuthorization;
import io.portcullis.redis.SharedStores;
import io.portcullis.session.SessionContext;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds, from one configuration, everything a listener's sessions share: TLS context, checks,
 * rate limits, users and recipients (with LDAP when configured). Used at start-up and for every
 * reload, so a reload builds the new world completely before anything switches to it.
 *
 * @param contexts by listener name
 * @param ldap     the LDAP directory these contexts use, or null; closed when replaced
 * @param checks   the content checks the listeners' chains share; closed when replaced
 * @param phaseChecks the defined policy checks the listeners' phases share; closed when replaced
 */
record SessionContexts(Map<String, SessionContext> contexts, LdapDirectory ldap, ContentChecks checks,
                       PhaseChecks phaseChecks) {
    /** Each DNS query of an SPF evaluation at RCPT (RFC 7208 §4.6.4 caps them at 10 terms and 2 void lookups). */
    private static final java.time.Duration SPF_LOOKUP_TIMEOUT = java.time.Duration.ofSeconds(2);

    static SessionContexts build(GatewayConfig config, Path dataDirectory, Spool spool, Telemetry telemetry,
                                 AuthThrottle throttle, Clock clock, SharedStores shared) throws IOException {
        Directory directory = config.directory();
        LdapDirectory ldap = null;
        if (directory.ldap() != null) {
            try {
                ldap = new LdapDirectory(directory.ldap());
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for LDAP: " + e.getMessage(), e);
            }
        }
        UserStore users = new UserStore(directory.inlineUsers(), dataDirectory.resolve(directory.usersFile()), ldap);
        KnownRecipients known = new KnownRecipients(directory.recipients(), directory.recipientsFile(), ldap);
        ContentChecks checks = new ContentChecks(contentChecks(config, dataDirectory, spool), shared.circuits());
        PhaseChecks phaseChecks = new PhaseChecks(config.phaseChecks(), new PhaseChecks.Services(
                config.delivery().resolver(), dataDirectory, clock, telemetry, io.portcullis.policy.OurIdentity.of(config),
                spfAuthorization(config), shared.greylistStores(), shared.dnsListAnswers()));
        if (!config.sharedState().greylisting().isRedis()) { // in Redis the entries are every node's, and expire there
            phaseChecks.greylistStores().forEach((name, store) -> telemetry.gauge("portcullis.greylist.entries",
                    "triplets and client networks greylisting holds", List.of("check", name), store, GreylistStore::size));
        }
        Map<String, SessionContext> contexts = new LinkedHashMap<>();
        Map<String, Instant> certificateExpiries = new LinkedHashMap<>();
        try {
            contexts(config, dataDirectory, spool, telemetry, throttle, users, known, checks, phaseChecks, contexts,
                    certificateExpiries, shared);
        } catch (IOException | RuntimeException e) {
            phaseChecks.close(); // the greylisting stores it opened
            throw e;
        }
        telemetry.certificateExpiries(certificateExpiries);
        return new SessionContexts(Map.copyOf(contexts), ldap, checks, phaseChecks);
    }

    private static void contexts(GatewayConfig config, Path dataDirectory, Spool spool, Telemetry telemetry,
                                 AuthThrottle throttle, UserStore users, KnownRecipients known, ContentChecks checks,
                                 PhaseChecks phaseChecks, Map<String, SessionContext> contexts,
                                 Map<String, Instant> certificateExpiries, SharedStores shared) throws IOException {
        Directory directory = config.directory();
        for (ListenerConfig listener : config.listeners()) {
            ListenerPolicy policy = listener.policy();
            ServerTlsContext tls = tlsContext(listener, config.hostname(), dataDirectory);
            if (tls != null) {
                Renegotiation.requireRefused();
                TlsContexts.warnIfExpiring(listener.name(), tls.notAfter(), Instant.now());
                certificateExpiries.put(listener.name(), tls.notAfter());
            }
            Map<String, PhaseCheck> builtIn = BuiltInChecks.of(listener,
                    new SenderCheck(policy, config.routes(), directory.protectedSenders()),
                    new RecipientCheck(policy, config.routes(), known, listener.flow()), shared.rateLimits(policy.rateLimits(), listener.name()));
            contexts.put(listener.name(), new SessionContext(listener, config.routes(), spool, tls,
                    phaseChecks.forListener(listener, builtIn), users,
                    throttle, telemetry, new ContentChain(listener.name(), listener.content(), checks, telemetry)));
        }
    }

    /** Every configured content check, by name: sender authentication here, the rest from the content package. */
    private static Map<String, ContentCheck> contentChecks(GatewayConfig config, Path dataDirectory, Spool spool)
            throws IOException {
        Map<String, ContentCheck> checks = new LinkedHashMap<>();
        for (CheckConfig check : config.checks().values()) {
            ContentCheck built = check instanceof CheckConfig.Authentication authentication
                    ? new AuthenticationCheck(authentication, config.delivery().resolver())
                    : ContentChecks.builtIn(check, config.hostname(), dataDirectory, spool);
            checks.put(check.name(), built);
        }
        return checks;
    }

    /** SPF for policy checks (greylisting's spf-domain), from the content package's evaluator. */
    private static SpfAuthorization spfAuthorization(GatewayConfig config) {
        boolean needed = config.phaseChecks().values().stream()
                .anyMatch(check -> check instanceof PhaseCheckConfig.Greylist greylist && greylist.spfDomain());
        if (!needed) {
            return null;
        }
        DnsLookup dns = new DnsLookup(config.delivery().resolver(), SPF_LOOKUP_TIMEOUT);
        return (client, sender, helo) -> SpfEvaluator.evaluate(dns, client, sender.toString(), helo == null ? "" : helo)
                .result() == SpfResult.PASS;
    }

    private static ServerTlsContext tlsContext(ListenerConfig listener, String hostname, Path dataDirectory) throws IOException {
        TlsConfig tls = listener.tls();
        return tls == null ? null : TlsContexts.listenerContext(listener.name(), tls, dataDirectory, hostname);
    }

    /** The listeners' TLS contexts (those that offer STARTTLS), by listener name. */
    Map<String, ServerTlsContext> tlsContexts() {
        Map<String, ServerTlsContext> tls = new LinkedHashMap<>();
        contexts.forEach((name, context) -> {
            if (context.tls() instanceof ServerTlsContext serverTls) {
                tls.put(name, serverTls);
            }
        });
        return tls;
    }

    void close() {
        checks.close();
        phaseChecks.close();
        if (ldap != null) {
            ldap.close();
        }
    }
}
