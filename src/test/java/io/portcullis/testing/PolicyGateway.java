package io.portcullis.testing;

import io.portcullis.auth.PasswordHashes;
import java.io.IOException;

/**
 * A gateway with the policy of a real deployment: an inbound listener for the Internet, an
 * outbound listener for authenticated users, and an "internal" listener for allow-listed
 * internal servers. Users alice (send-as her address) and bob (send-as @sales.example.test);
 * known recipients alice, bob and known@example.test; a protected outside sender.
 */
public final class PolicyGateway {
    public static final String ALICE = "alice@example.test";
    public static final String ALICE_PASSWORD = "correct horse battery staple";
    public static final String BOB = "bob@example.test";
    public static final String BOB_PASSWORD = "hunter2-but-longer";

    private PolicyGateway() {
    }

    public static TestGateway start() throws IOException {
        String tls = TestGateway.sharedTls().toString();
        // bcrypt cost 4 keeps the suite fast; the cost does not change what is being tested.
        String aliceHash = PasswordHashes.hash(ALICE_PASSWORD.toCharArray(), 4);
        String bobHash = PasswordHashes.hash(BOB_PASSWORD.toCharArray(), 4);
        return TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    tls: {certificate: %1$s/certificate.pem, key: %1$s/key.pem}
                    relay: never
                    verify-recipients: true
                    anti-spoofing: true
                    check-header-from: true
                    remove-headers: ["X-Portcullis-*", "X-Internal-Trust"]
                  - name: outbound
                    bind: 127.0.0.1:0
                    tls: {certificate: %1$s/certificate.pem, key: %1$s/key.pem}
                    auth: {required: true, require-tls: true}
                    relay: authenticated
                    send-as: true
                    check-header-from: true
                    remove-received: true
                  - name: internal
                    flow: outbound
                    bind: 127.0.0.1:0
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    send-as: true
                  - name: submission
                    flow: outbound
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                  - name: guarded
                    bind: 127.0.0.1:0
                    access: {allow: [10.0.0.0/8], deny: []}
                  - name: blocked
                    bind: 127.0.0.1:0
                    access: {deny: [127.0.0.0/8]}
                users:
                  inline:
                    - {name: %2$s, password-hash: "%3$s"}
                    - {name: %4$s, password-hash: "%5$s", send-as: ["@sales.example.test"]}
                recipients:
                  addresses: [%2$s, %4$s, known@example.test]
                protected-senders: [ceo@holding.test]
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: drop, folder: drop/outbound}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                delivery:
                  queue-only: true
                """.formatted(tls, ALICE, aliceHash, BOB, bobHash));
    }
}
