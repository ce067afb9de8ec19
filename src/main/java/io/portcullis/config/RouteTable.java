package io.portcullis.config;

import io.portcullis.smtp.DomainName;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The routes in configuration order, with the organisation's own domains. The first route that
 * matches the recipient's domain for the message's flow wins; no match means the flow may not
 * send there at all (refused at RCPT, so the gateway never accepts what it could not deliver).
 */
public record RouteTable(List<String> localDomains, List<RouteConfig> routes) {
    public RouteTable {
        localDomains = localDomains.stream().map(RouteTable::canonical).toList();
        routes = List.copyOf(routes);
    }

    /** {@code domain} may be null for the bare {@code <postmaster>}: it routes as the first local domain. */
    public Optional<RouteConfig> find(String flow, String domain) {
        String key = domain == null ? postmasterDomain() : canonical(domain);
        if (key == null) {
            return Optional.empty();
        }
        return routes.stream().filter(route -> route.matches(flow, key)).findFirst();
    }

    public boolean isLocal(String domain) {
        return domain != null && localDomains.contains(canonical(domain));
    }

    /** The one form domains are compared in (IDNA A-labels after UTS #46 mapping, lower case). */
    static String canonical(String domain) {
        String canonical = DomainName.canonical(domain);
        return canonical == null ? domain.toLowerCase(Locale.ROOT) : canonical;
    }

    /** Where mail for the bare {@code <postmaster>} goes. */
    public String postmasterDomain() {
        return localDomains.isEmpty() ? null : localDomains.getFirst();
    }
}
