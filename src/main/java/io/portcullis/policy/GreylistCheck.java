package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Replies;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Greylisting (RFC 6647): a triplet never seen before — the client's network (or the sender's
 * SPF-authorised domain), the sender and the recipient — is refused for now ({@code 451 4.7.1}); a
 * real MTA retries, and a retry after {@code delay} and within {@code window} of the first attempt
 * passes. A passed triplet is accepted at once for {@code expiry} after its last use. Once
 * {@code auto-allow-after} triplets passed from one client network, the network passes for every
 * triplet (until {@code expiry} after its last use).
 *
 * <p>At {@code rcpt} each recipient is its own triplet. At {@code data} (greylisting after the
 * message, for clients that give up on a 4xx at RCPT) every recipient's triplet is recorded and the
 * message is refused for now unless all of them passed. A filter: skipped for trusted and
 * allow-listed clients (an IP or DNS allow list). Keys in the store are hashes of the triplet, so
 * the state file holds no addresses. A shared store (Redis) that cannot answer makes the check skip
 * ({@code on-failure: open}) or refuse for now with 451 4.3.0 ({@code closed}).
 */
final class GreylistCheck implements PhaseCheck, AutoCloseable {
    private static final Set<Phase> PHASES = Set.of(Phase.RCPT, Phase.DATA);
    /** A passed entry used again is written back at most this often (its expiry moves by at most this much less). */
    private static final long REFRESH_SECONDS = 3600;
    private static final Verdict GREYLISTED = Verdict.tempfail(Replies.GREYLISTED, "greylisted");

    private final PhaseCheckConfig.Greylist config;
    private final GreylistStore store;
    private final Clock clock;
    private final SpfAuthorization spf;
    private final long delay;
    private final long window;
    private final long expiry;
    private final AtomicLong nextEviction = new AtomicLong();

    /**
     * @param spf when not null and the configuration asks for it, names the sender's domain when SPF
     *            passes for the client
     */
    GreylistCheck(PhaseCheckConfig.Greylist config, GreylistStore store, Clock clock, SpfAuthorization spf) {
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.spf = config.spfDomain() ? spf : null;
        this.delay = config.delay().toSeconds();
        this.window = config.window().toSeconds();
        this.expiry = config.expiry().toSeconds();
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public boolean isFilter() {
        return true;
    }

    @Override
    public Verdict check(PhaseInput input) {
        try {
            return greylist(input);
        } catch (StoreUnavailableException e) {
            return e.failOpen() ? new Verdict.Skip("greylist-unavailable")
                    : Verdict.tempfail(Replies.SHARED_STATE_UNAVAILABLE, "greylist-unavailable");
        }
    }

    private Verdict greylist(PhaseInput input) {
        long now = clock.instant().getEpochSecond();
        evictExpiredHourly(now);
        String network = network(input.client().address());
        String networkKey = key("n", network);
        if (autoAllowed(networkKey, now)) {
            return Verdict.ACCEPT;
        }
        String origin = origin(input, network);
        String sender = address(input.sender());
        return switch (input.phase()) {
            case RCPT -> triplet(origin, sender, input.recipient(), networkKey, now);
            case DATA -> {
                Verdict verdict = Verdict.ACCEPT;
                for (Mailbox recipient : input.recipients()) {
                    if (triplet(origin, sender, recipient, networkKey, now) != Verdict.ACCEPT) {
                        verdict = GREYLISTED; // every triplet is still recorded, so one retry passes them all
                    }
                }
                yield verdict;
            }
            default -> Verdict.ACCEPT;
        };
    }

    private Verdict triplet(String origin, String sender, Mailbox recipient, String networkKey, long now) {
        String key = key("t", origin + '\0' + sender + '\0' + address(recipient));
        GreylistStore.Entry entry = store.get(key, now);
        if (entry == null) {
            store.put(key, new GreylistStore.Entry(now, now, 0, now + window));
            return GREYLISTED;
        }
        if (entry.passes() == 0) {
            if (now < entry.firstSeen() + delay) {
                return GREYLISTED;
            }
            store.put(key, new GreylistStore.Entry(entry.firstSeen(), now, 1, now + expiry));
            GreylistStore.Entry network = store.get(networkKey, now);
            store.put(networkKey, network == null ? new GreylistStore.Entry(now, now, 1, now + expiry)
                    : new GreylistStore.Entry(network.firstSeen(), now, network.passes() + 1, now + expiry));
            return Verdict.ACCEPT;
        }
        refresh(key, entry, now);
        return Verdict.ACCEPT;
    }

    private boolean autoAllowed(String networkKey, long now) {
        if (config.autoAllowAfter() == 0) {
            return false;
        }
        GreylistStore.Entry entry = store.get(networkKey, now);
        if (entry == null || entry.passes() < config.autoAllowAfter()) {
            return false;
        }
        refresh(networkKey, entry, now);
        return true;
    }

    private void refresh(String key, GreylistStore.Entry entry, long now) {
        if (now - entry.lastSeen() >= REFRESH_SECONDS) {
            store.put(key, new GreylistStore.Entry(entry.firstSeen(), now, entry.passes(), now + expiry));
        }
    }

    private void evictExpiredHourly(long now) {
        long next = nextEviction.get();
        if (now >= next && nextEviction.compareAndSet(next, now + REFRESH_SECONDS)) {
            store.evictExpired(now);
        }
    }

    /**
     * The SPF-authorised domain when configured and SPF passes, else the client network. SPF is
     * evaluated once per transaction (at its first recipient), not per recipient.
     */
    private String origin(PhaseInput input, String network) {
        Mailbox sender = input.sender();
        if (spf == null || sender == null || sender.domain() == null || sender.canonicalDomain() == null) {
            return network;
        }
        SpfMemo memo = input.session().attachment(this, SpfMemo::new);
        if (!sender.equals(memo.sender)) {
            memo.sender = sender;
            memo.passes = spf.passes(input.client().address(), sender, input.helo());
        }
        return memo.passes ? "spf:" + sender.canonicalDomain() : network;
    }

    /** The SPF result of the session's current transaction. */
    private static final class SpfMemo implements PhaseSession.Attachment {
        private Mailbox sender;
        private boolean passes;

        @Override
        public void transactionEnded() {
            sender = null;
        }

        @Override
        public void close() {
        }
    }

    /** The client's address masked to the configured prefix, as "address/prefix". */
    String network(InetAddress address) {
        byte[] bytes = address.getAddress();
        int prefix = bytes.length == 4 ? config.ipv4Prefix() : config.ipv6Prefix();
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes, always an address
        }
    }

    /** The canonical form of an address (local part NFKC and lower case, domain as A-labels); "" for none. */
    static String address(Mailbox mailbox) {
        if (mailbox == null) {
            return "";
        }
        String local = Normalizer.normalize(mailbox.unquotedLocalPart(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        if (mailbox.domain() == null) {
            return local;
        }
        String domain = mailbox.canonicalDomain();
        return local + "@" + (domain == null ? mailbox.domain().toLowerCase(Locale.ROOT) : domain);
    }

    /** A fixed-length key: 128 bits of SHA-256 over the kind and the value, in base64url. */
    private static String key(String kind, String value) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(kind.getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) 0);
            byte[] hash = digest.digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    GreylistStore store() {
        return store;
    }

    @Override
    public void close() {
        store.close();
    }
}
