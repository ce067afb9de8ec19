package io.portcullis.config;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A policy check, defined once under {@code phase-checks:} and named in listeners' {@code phases:}.
 * Each type knows the phases it can run in; the built-in rules ({@link #BUILT_IN}) need no
 * definition: the listener's own keys (access, relay, anti-spoofing, ...) configure them.
 */
public sealed interface PhaseCheckConfig {
    String name();

    /** The phases this check may be named in. */
    Set<Phase> phases();

    /**
     * The built-in checks by name, each with its phase, in the order they run when a listener's
     * {@code phases:} does not place them: {@code access} (access.allow/deny), {@code connection-rate},
     * {@code pregreet} (greeting-delay), {@code auth-required}, {@code sender} (anti-spoofing,
     * send-as), {@code message-rate}, {@code routing} (sender-specified routing), {@code recipients}
     * (verify-recipients), {@code relay}, {@code recipient-rate}, {@code header-from}.
     */
    Map<String, Phase> BUILT_IN = builtIn();

    private static Map<String, Phase> builtIn() {
        java.util.LinkedHashMap<String, Phase> map = new java.util.LinkedHashMap<>();
        map.put("access", Phase.CONNECT);
        map.put("connection-rate", Phase.CONNECT);
        map.put("pregreet", Phase.CONNECT);
        map.put("auth-required", Phase.MAIL);
        map.put("sender", Phase.MAIL);
        map.put("message-rate", Phase.MAIL);
        map.put("routing", Phase.RCPT);
        map.put("recipients", Phase.RCPT);
        map.put("relay", Phase.RCPT);
        map.put("recipient-rate", Phase.RCPT);
        map.put("header-from", Phase.DATA);
        return java.util.Collections.unmodifiableMap(map);
    }

    /**
     * Static allow and block lists, each a file of one entry per line ({@code #} comments), re-read
     * when it changes. Clients by address or network (connect), senders and recipients by address,
     * {@code @domain} or domain (mail, rcpt). A null path is no list.
     */
    record Lists(String name, Path allowClients, Path blockClients, Path allowSenders, Path blockSenders,
                 Path blockRecipients) implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.CONNECT, Phase.MAIL, Phase.RCPT);
        }
    }

    /**
     * A milter (Sendmail/Postfix milter protocol, version 6) asked at every SMTP stage: one
     * connection per session, opened at the first phase the check is named in; callbacks of the
     * phases it is not named in are sent when it next runs. {@code timeout} bounds the connect and
     * each callback; a milter that fails or times out is given up for the session and
     * {@code failOpen} decides: go on (true) or 451 4.7.1 (false).
     */
    record Milter(String name, CheckConfig.Endpoint endpoint, java.time.Duration timeout, boolean failOpen)
            implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.allOf(Phase.class);
        }
    }
}
