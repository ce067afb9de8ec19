package io.portcullis.testing;

import java.io.IOException;

/**
 * A gateway for the client-check tests: the listeners and {@code phase-checks:} the test gives,
 * our domain example.test (delivered to a drop folder, queue-only), hostname gateway.test, and
 * {@link ClientCheckDns} as its DNS server.
 */
public final class ClientCheckGateway {
    private ClientCheckGateway() {
    }

    /**
     * @param phaseChecks the items under {@code phase-checks:}, indented as list items at column 0
     * @param listeners   the items under {@code listeners:}, at column 0 ({@code - name: x})
     */
    public static TestGateway start(ClientCheckDns dns, String phaseChecks, String listeners) throws IOException {
        return TestGateway.startYaml(yaml(dns, phaseChecks, listeners));
    }

    public static String yaml(ClientCheckDns dns, String phaseChecks, String listeners) {
        return "hostname: gateway.test\nlisteners:\n" + listeners.stripIndent().indent(2) + """
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                routes:
                  - {domains: [example.test], connector: internal}
                delivery:
                  queue-only: true
                """ + dns.resolverLine() + "phase-checks:\n" + phaseChecks.stripIndent().indent(2);
    }
}
