package io.portcullis.policy;

import io.portcullis.config.ListenerConfig;
import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.observe.Telemetry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The defined phase checks ({@code phase-checks:}), built once per configuration and shared by the
 * listeners that name them, and each listener's checks per phase in the order they run.
 */
public final class PhaseChecks implements AutoCloseable {

    /**
     * What checks may need from the gateway.
     *
     * @param dnsServer     the DNS server to ask ({@code delivery.dns-resolver}), or null for the system's
     * @param dataDirectory where a check keeps durable state
     * @param clock         the time, replaceable in tests
     * @param telemetry     where checks count what they do beyond their verdicts (DNS list queries)
     * @param identity      our names and addresses (what a client's EHLO must not claim)
     * @param spf           SPF for a client and sender (wired in app from content.authentication), or null
     * @param greylistStores opens the store of a greylisting check; null: a file in the data directory
     * @param dnsListAnswers DNS list answers shared with other nodes; null: each check's own cache only
     */
    public record Services(InetSocketAddress dnsServer, Path dataDirectory, Clock clock, Telemetry telemetry,
                           OurIdentity identity, SpfAuthorization spf, GreylistStores greylistStores,
                           io.portcullis.dns.SharedAnswers dnsListAnswers) {
        public Services(InetSocketAddress dnsServer, Path dataDirectory, Clock clock, Telemetry telemetry,
                        OurIdentity identity, SpfAuthorization spf) {
            this(dnsServer, dataDirectory, clock, telemetry, identity, spf, null, null);
        }
    }

    /** Where a greylisting check keeps its entries (a shared store: Redis, {@code shared-state.greylisting}). */
    public interface GreylistStores {
        GreylistStore open(PhaseCheckConfig.Greylist config) throws IOException;
    }

    /** A check with the name it was configured under (its counter and log label). */
    public record Named(String name, PhaseCheck check) {
    }

    private final Map<String, PhaseCheck> defined;

    public PhaseChecks(Map<String, PhaseCheckConfig> configs, Services services) throws IOException {
        Map<String, PhaseCheck> built = new LinkedHashMap<>();
        this.defined = built;
        try {
            for (Map.Entry<String, PhaseCheckConfig> config : configs.entrySet()) {
                built.put(config.getKey(), create(config.getValue(), services));
            }
        } catch (IOException | RuntimeException e) {
            close(); // the stores already opened
            throw e;
        }
    }

    /** One check from its configuration; the switch is exhaustive, so a new type must be built here. */
    private static PhaseCheck create(PhaseCheckConfig config, Services services) throws IOException {
        return switch (config) {
            case PhaseCheckConfig.Lists lists -> new ListsCheck(lists);
            case PhaseCheckConfig.Dnsbl dnsbl -> new DnsblCheck(dnsbl, services);
            case PhaseCheckConfig.Dbl dbl -> new DomainListCheck(dbl, services);
            case PhaseCheckConfig.ReverseDns reverseDns -> new ReverseDnsCheck(reverseDns, services.dnsServer());
            case PhaseCheckConfig.Helo helo -> new HeloCheck(helo, services.identity(), services.dnsServer());
            case PhaseCheckConfig.SenderDomain senderDomain -> new SenderDomainCheck(senderDomain, services.dnsServer());
            case PhaseCheckConfig.Greylist greylist -> new GreylistCheck(greylist, services.greylistStores() != null
                    ? services.greylistStores().open(greylist)
                    : FileGreylistStore.open(services.dataDirectory().resolve("greylist").resolve(greylist.name() + ".log"),
                            greylist.maxEntries(), services.clock()), services.clock(), services.spf());
            case PhaseCheckConfig.Milter milter -> new MilterPhaseCheck(milter);
        };
    }

    /** The store of each greylisting check, by check name (for the entries gauge). */
    public Map<String, GreylistStore> greylistStores() {
        Map<String, GreylistStore> stores = new LinkedHashMap<>();
        defined.forEach((name, check) -> {
            if (check instanceof GreylistCheck greylist) {
                stores.put(name, greylist.store());
            }
        });
        return stores;
    }

    /**
     * The listener's checks at each phase, in order: its {@code phases:} names resolved to the
     * built-in rules (those its keys leave off are skipped) and the defined checks.
     */
    public Map<Phase, List<Named>> forListener(ListenerConfig listener, Map<String, PhaseCheck> builtIn) {
        Map<Phase, List<Named>> phases = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            List<Named> checks = new ArrayList<>();
            for (String name : listener.phases().at(phase)) {
                PhaseCheck check = PhaseCheckConfig.BUILT_IN.containsKey(name) ? builtIn.get(name) : defined.get(name);
                if (check != null) {
                    checks.add(new Named(name, check));
                }
            }
            phases.put(phase, List.copyOf(checks));
        }
        return phases;
    }

    @Override
    public void close() {
        for (PhaseCheck check : defined.values()) {
            if (check instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    org.slf4j.LoggerFactory.getLogger(PhaseChecks.class).warn("closing a phase check failed: {}", e.toString());
                }
            }
        }
    }
}
