package io.portcullis.config;

import java.util.List;

/**
 * Recipient domains to a connector, for the flows allowed to use it. A pattern is an exact domain,
 * {@code *.example.com} (any subdomain, not the domain itself) or {@code *} (everything).
 *
 * @param flows the flows that may use this route; empty means every flow
 */
public record RouteConfig(List<String> domains, String connector, List<String> flows) {
    public RouteConfig {
        domains = domains.stream().map(d -> d.equals("*") ? d
                : d.startsWith("*.") ? "*." + RouteTable.canonical(d.substring(2)) : RouteTable.canonical(d)).toList();
        flows = List.copyOf(flows);
    }

    /** Does this route serve {@code domain} (already in {@link RouteTable#canonical} form) for {@code flow}? */
    public boolean matches(String flow, String domain) {
        if (!flows.isEmpty() && !flows.contains(flow)) {
            return false;
        }
        for (String pattern : domains) {
            if (pattern.equals("*") || pattern.equals(domain)
                    || (pattern.startsWith("*.") && domain.endsWith(pattern.substring(1)))) {
                return true;
            }
        }
        return false;
    }
}
