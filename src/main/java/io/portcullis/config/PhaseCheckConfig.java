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
     * Does this check, as configured, refuse nothing itself but add positive points to the score,
     * so that it does something only on a listener with a {@code reject-score}?
     */
    default boolean onlyScores() {
        return switch (this) {
            case Dnsbl dnsbl -> onlyScores(dnsbl.lists());
            case Dbl dbl -> onlyScores(dbl.lists());
            case ReverseDns check -> check.action().kind() == CheckAction.Kind.SCORE && check.action().weight() > 0;
            case Helo check -> check.action().kind() == CheckAction.Kind.SCORE && check.action().weight() > 0;
            case SenderDomain check -> check.action().kind() == CheckAction.Kind.SCORE && check.action().weight() > 0;
            default -> false;
        };
    }

    private static boolean onlyScores(DnsListSettings lists) {
        return lists.action() == DnsListSettings.Action.SCORE && lists.zones().stream().anyMatch(zone -> zone.weight() > 0);
    }

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

        /** Each configured list (by its key) and the one phase it is read at. */
        public Map<String, Phase> listsRead() {
            Map<String, Phase> read = new java.util.LinkedHashMap<>();
            putIf(read, allowClients, "allow-clients", Phase.CONNECT);
            putIf(read, blockClients, "block-clients", Phase.CONNECT);
            putIf(read, allowSenders, "allow-senders", Phase.MAIL);
            putIf(read, blockSenders, "block-senders", Phase.MAIL);
            putIf(read, blockRecipients, "block-recipients", Phase.RCPT);
            return read;
        }

        private static void putIf(Map<String, Phase> read, Path list, String key, Phase phase) {
            if (list != null) {
                read.put(key, phase);
            }
        }
    }

    /**
     * DNS block and allow lists on the client's address (postscreen style): every zone asked at
     * once, the weights of the listing zones summed. Runs at connect, or later to act later.
     */
    record Dnsbl(String name, DnsListSettings lists) implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.CONNECT, Phase.HELO, Phase.MAIL, Phase.RCPT);
        }
    }

    /**
     * Domain block lists (DBL/URIBL style) on the sender's domain at mail, and on the HELO name at
     * helo (and at mail when {@code checkHelo}).
     */
    record Dbl(String name, DnsListSettings lists, boolean checkHelo) implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.HELO, Phase.MAIL);
        }
    }

    /**
     * Forward-confirmed reverse DNS of the client (Postfix's reject_unknown_client_hostname, or with
     * {@code require: ptr} reject_unknown_reverse_client_hostname): a PTR name, and one of at most
     * {@code maxNames} of them resolving back to the client's address, all within {@code timeout}.
     *
     * @param requireConfirmed true ({@code require: fcrdns}) when a PTR name must resolve back to
     *                         the client; false ({@code require: ptr}) when a PTR record is enough
     */
    record ReverseDns(String name, CheckAction action, boolean requireConfirmed, int maxNames, java.time.Duration timeout)
            implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.CONNECT, Phase.HELO, Phase.MAIL, Phase.RCPT);
        }
    }

    /**
     * The EHLO/HELO name: a fully-qualified domain or an address literal, never a bare IP address
     * ({@code require-fqdn}; Postfix's reject_non_fqdn_helo_hostname and reject_invalid_helo_hostname);
     * none of our names or addresses ({@code reject-our-names}); with {@code require-resolvable}, a
     * name with an A, AAAA or MX record (reject_unknown_helo_hostname).
     *
     * @param ourNames     names counted as ours besides the gateway's and listeners' hostnames and our domains
     * @param ourAddresses addresses counted as ours besides the listeners' bound addresses
     */
    record Helo(String name, CheckAction action, boolean requireFqdn, boolean rejectOurNames,
                boolean requireResolvable, java.util.List<String> ourNames, java.util.List<java.net.InetAddress> ourAddresses,
                java.time.Duration timeout) implements PhaseCheckConfig {
        public Helo {
            ourNames = java.util.List.copyOf(ourNames);
            ourAddresses = java.util.List.copyOf(ourAddresses);
        }

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.HELO, Phase.MAIL, Phase.RCPT);
        }
    }

    /**
     * The envelope sender's domain exists for mail: an MX, or an A or AAAA record, and no null MX
     * (Postfix's reject_unknown_sender_domain; RFC 7505). The null sender and address literals pass.
     */
    record SenderDomain(String name, CheckAction action, java.time.Duration timeout) implements PhaseCheckConfig {
        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.MAIL);
        }
    }

    /**
     * Greylisting ({@code type: greylist}): the first delivery attempt of a triplet (client network
     * or SPF-authorised domain, sender, recipient) is refused for now; a retry after {@code delay}
     * and within {@code window} of first sight passes, and the triplet stays valid for {@code expiry}
     * after its last use. {@code autoAllowAfter} triplets passed from one client network allow the
     * whole network until {@code expiry}. At most {@code maxEntries} triplets and networks are kept
     * (the least recently used dropped first). A filter: trusted and allow-listed clients skip it.
     *
     * @param ipv4Prefix the client network of an IPv4 client: its address masked to this many bits
     * @param ipv6Prefix the same for IPv6
     * @param spfDomain  when the sender's SPF passes for the client, its domain stands for the network
     */
    record Greylist(String name, java.time.Duration delay, java.time.Duration window, java.time.Duration expiry,
                    int autoAllowAfter, int maxEntries, int ipv4Prefix, int ipv6Prefix, boolean spfDomain)
            implements PhaseCheckConfig {
        public static final java.time.Duration DEFAULT_DELAY = java.time.Duration.ofMinutes(5);
        public static final java.time.Duration DEFAULT_WINDOW = java.time.Duration.ofHours(24);
        public static final java.time.Duration DEFAULT_EXPIRY = java.time.Duration.ofDays(36);
        public static final int DEFAULT_AUTO_ALLOW_AFTER = 5;
        public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

        @Override
        public Set<Phase> phases() {
            return EnumSet.of(Phase.RCPT, Phase.DATA);
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
