package io.portcullis.delivery.tls;

import com.fasterxml.jackson.core.type.TypeReference;
import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policy discovery and cache (RFC 8461 §3, §5.1): for a recipient domain, the {@code _mta-sts}
 * TXT record says whether a policy exists and its id; the policy itself comes from
 * {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} ({@link PolicyHttps}: certificate
 * verified, no redirects, at most {@value #MAX_POLICY_SIZE} octets, {@code text/plain}).
 *
 * <p>The cache, as §5.1 and §10.2 ask: a cached policy is used until it expires (fetch time plus
 * max_age) while the TXT id stays the same; a new id makes us fetch again; a policy older than a
 * day (or than half its max_age) is fetched again so it never lapses while the domain keeps it.
 * When the TXT record is gone or a fetch fails, an unexpired cached policy stays in force, so an
 * attacker who blocks DNS or HTTPS cannot switch a domain's enforcement off. A failed fetch with
 * nothing cached means no policy, counted for the domain's TLS report as
 * {@code sts-policy-fetch-error}, {@code sts-policy-invalid} or {@code sts-webpki-invalid}.
 *
 * <p>The cache is persisted in {@code DATA/mta-sts/policies.json} (written through
 * {@link PrivateFiles#replace} on every change), read back at start, and bounded: the least
 * recently used policy goes beyond {@code maxPolicies}. One lookup per domain runs at a time: a
 * burst of deliveries to a domain fetches once and shares the answer, and a slow policy server
 * delays only deliveries to its own domain.
 */
public final class MtaStsPolicies {
    private static final Logger log = LoggerFactory.getLogger(MtaStsPolicies.class);
    /** RFC 8461 §3.3: senders may limit a policy to 64 KB. */
    static final int MAX_POLICY_SIZE = 64 * 1024;
    static final Duration REFRESH_AFTER = Duration.ofDays(1);
    private static final String FILE = "policies.json";

    private final PolicyDns dns;
    private final PolicyHttps https;
    private final TlsReports reports;
    private final Path file;
    private final int maxPolicies;
    private final Clock clock;
    private final Map<String, StsPolicy> cache;
    /** Lookups in progress by domain: a second delivery to the domain waits for the first one's answer. */
    private final ConcurrentHashMap<String, CompletableFuture<Optional<StsPolicy>>> inFlight = new ConcurrentHashMap<>();

    public MtaStsPolicies(PolicyDns dns, PolicyHttps https, TlsReports reports, Path directory, int maxPolicies, Clock clock)
            throws IOException {
        this.dns = dns;
        this.https = https;
        this.reports = reports;
        this.file = PrivateFiles.createDirectories(directory).resolve(FILE);
        this.maxPolicies = maxPolicies;
        this.clock = clock;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StsPolicy> eldest) {
                return size() > MtaStsPolicies.this.maxPolicies;
            }
        };
        load();
    }

    /**
     * The policy in force for {@code domain} (an A-label domain), fetching or refreshing it when
     * the TXT record or its age asks for it; empty when the domain has none we can use. A policy in
     * mode {@code none} is returned as such: it means "no enforcement", and it replaces an older
     * enforcing one.
     */
    public Optional<StsPolicy> policyFor(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        if (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        CompletableFuture<Optional<StsPolicy>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<StsPolicy>> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.get(); // bounded: the running lookup has the fetch deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.ofNullable(cached(key, clock.instant()));
            } catch (ExecutionException e) {
                return Optional.ofNullable(cached(key, clock.instant()));
            }
        }
        try {
            Optional<StsPolicy> policy = resolve(key);
            mine.complete(policy);
            return policy;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private Optional<StsPolicy> resolve(String domain) {
        Instant now = clock.instant();
        StsPolicy cached = cached(domain, now);
        PolicyDns.TxtAnswer answer = dns.txt("_mta-sts." + domain);
        if (!(answer instanceof PolicyDns.Texts texts)) {
            return Optional.ofNullable(cached); // RFC 8461 §5.1: without a TXT record the cached policy stays
        }
        Optional<String> id = PolicyRecords.stsId(texts.texts());
        if (id.isEmpty()) {
            return Optional.ofNullable(cached);
        }
        if (cached != null && cached.id().equals(id.get()) && !dueForRefresh(cached, now)) {
            return Optional.of(cached);
        }
        Fetched fetched = fetch(domain, id.get(), now);
        if (fetched.policy() != null) {
            store(domain, fetched.policy());
            return Optional.of(fetched.policy());
        }
        log.info("mta-sts: {}: policy fetch failed ({}); {}", domain, fetched.failure().additionalInformation(),
                cached != null ? "the cached policy stays in force until " + cached.expires() : "no policy applies");
        if (cached == null) {
            reports.record(domain, new TlsReportResult.Policy(TlsReportResult.PolicyType.STS, List.of(), List.of()),
                    fetched.failure());
        }
        return Optional.ofNullable(cached);
    }

    private boolean dueForRefresh(StsPolicy cached, Instant now) {
        Duration age = Duration.between(cached.fetched(), now);
        return age.compareTo(REFRESH_AFTER) >= 0 || age.getSeconds() * 2 >= cached.maxAge();
    }

    private StsPolicy cached(String domain, Instant now) {
        synchronized (cache) {
            StsPolicy policy = cache.get(domain);
            return policy == null || policy.isExpired(now) ? null : policy;
        }
    }

    private record Fetched(StsPolicy policy, TlsReportResult.Failure failure) {
    }

    private Fetched fetch(String domain, String id, Instant now) {
        String host = "mta-sts." + domain;
        PolicyHttps.Response response;
        try {
            response = https.get(host, "/.well-known/mta-sts.txt", MAX_POLICY_SIZE);
        } catch (javax.net.ssl.SSLHandshakeException e) {
            return failed(TlsReportResult.ResultType.STS_WEBPKI_INVALID, host, "the policy server's certificate: " + e.getMessage());
        } catch (IOException e) {
            return failed(TlsReportResult.ResultType.STS_POLICY_FETCH_ERROR, host, String.valueOf(e.getMessage()));
        }
        if (response.status() != 200) {
            return failed(TlsReportResult.ResultType.STS_POLICY_FETCH_ERROR, host, "HTTP status " + response.status()
                    + (response.status() / 100 == 3 ? " (redirects are not followed, RFC 8461 §3.3)" : ""));
        }
        String mediaType = response.contentType().split(";", 2)[0].strip();
        if (!mediaType.equals("text/plain")) {
            return failed(TlsReportResult.ResultType.STS_POLICY_INVALID, host,
                    "Content-Type \"" + StsPolicyText.printable(response.contentType()) + "\" is not text/plain");
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        return switch (StsPolicyText.parse(text, id, now)) {
            case StsPolicyText.Valid valid -> new Fetched(valid.policy(), null);
            case StsPolicyText.Invalid invalid -> failed(TlsReportResult.ResultType.STS_POLICY_INVALID, host, invalid.reason());
        };
    }

    private static Fetched failed(TlsReportResult.ResultType type, String host, String reason) {
        return new Fetched(null, new TlsReportResult.Failure(type, null, null, host + ": " + reason));
    }

    private void store(String domain, StsPolicy policy) {
        Map<String, StsPolicy> snapshot;
        synchronized (cache) {
            cache.put(domain, policy);
            snapshot = new LinkedHashMap<>(cache);
        }
        try {
            PrivateFiles.replace(file, Json.MAPPER.writeValueAsBytes(snapshot));
        } catch (IOException e) {
            log.warn("mta-sts: cannot write the policy cache {}: {}", file, e.toString());
        }
    }

    /** Reads the persisted cache; expired policies and a damaged file are dropped (they are only a cache). */
    private void load() {
        Map<String, StsPolicy> stored;
        try {
            stored = Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<LinkedHashMap<String, StsPolicy>>() {
            });
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | RuntimeException e) {
            log.warn("mta-sts: the policy cache {} cannot be read, starting empty: {}", file, e.toString());
            return;
        }
        Instant now = clock.instant();
        List<String> dropped = new ArrayList<>();
        synchronized (cache) {
            stored.forEach((domain, policy) -> {
                if (policy == null || policy.mode() == null || policy.id() == null || policy.fetched() == null
                        || policy.isExpired(now) || policy.maxAge() > StsPolicy.MAX_AGE_LIMIT) {
                    dropped.add(domain);
                } else {
                    cache.put(domain, policy);
                }
            });
        }
        log.info("mta-sts: {} cached policies read, {} expired or damaged dropped", stored.size() - dropped.size(), dropped.size());
    }

    /** The cached policies, for tests and the admin. */
    public Map<String, StsPolicy> cached() {
        synchronized (cache) {
            return Map.copyOf(cache);
        }
    }
}
