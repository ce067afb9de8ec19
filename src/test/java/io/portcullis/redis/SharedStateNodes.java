package io.portcullis.redis;

import static io.portcullis.testing.SmtpScript.plain;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;

/**
 * The configuration of the shared-state tests' gateway nodes and their client conversations. Three
 * listeners, so each feature is seen alone: {@code inbound} greylists at RCPT, {@code limited} allows
 * 3 messages an hour per client address, {@code submission} takes AUTH (throttled: 2 failures of a
 * user from a source lock that source) and allows 3 messages an hour per user.
 */
final class SharedStateNodes {
    static final String USER = "alice@example.test";
    static final String OTHER_USER = "bob@example.test";
    static final String PASSWORD = "correct horse battery";
    static final String GREYLISTED = "451 4.7.1";
    static final String UNAVAILABLE = "451 4.3.0";
    private static String hash;

    private SharedStateNodes() {
    }

    /** A node's YAML: every feature on the Redis at {@code address}, failing {@code onFailure} (open or closed). */
    static String yaml(String address, String onFailure) throws IOException {
        return yaml(address, onFailure, "redis");
    }

    /** As {@link #yaml(String, String)} with each feature's {@code store} (redis or local). */
    static String yaml(String address, String onFailure, String store) throws IOException {
        synchronized (SharedStateNodes.class) {
            if (hash == null) {
                hash = PasswordHashes.hash(PASSWORD.toCharArray(), 4);
            }
        }
        return """
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    limits: {max-errors: 100}
                    phases:
                      rcpt: [greylist]
                  - name: limited
                    bind: 127.0.0.1:0
                    limits: {max-errors: 100}
                    rate-limits: {messages-per-hour-per-ip: 3}
                  - name: submission
                    bind: 127.0.0.1:0
                    limits: {max-errors: 100}
                    auth: {require-tls: false}
                    relay: authenticated
                    rate-limits: {messages-per-hour-per-user: 3}
                users:
                  inline:
                    - {name: %1$s, password-hash: "%3$s"}
                    - {name: %2$s, password-hash: "%3$s"}
                auth-throttle: {max-failures: 2, max-failures-per-source: 10, delay-per-failure: 10ms, max-delay: 50ms}
                phase-checks:
                  - {name: greylist, type: greylist, delay: 5m, window: 4h, expiry: 30d}
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: drop, folder: drop/outbound}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet}
                delivery: {queue-only: true}
                shared-state:
                  redis: {address: "%4$s", timeout: 500ms, key-prefix: "node-test:"}
                  rate-limits: {store: %6$s, on-failure: %5$s}
                  auth-throttle: {store: %6$s, on-failure: %5$s}
                  greylisting: {store: %6$s, on-failure: %5$s}
                """.formatted(USER, OTHER_USER, hash, address, onFailure, store);
    }

    /** A client of {@code listener} on {@code node} from {@code source} (a 127.0.0.x address), past EHLO. */
    static SmtpScript client(TestGateway node, String listener, String source) throws IOException {
        SmtpScript smtp = SmtpScript.connectFrom(source, node.port(listener));
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        return smtp;
    }

    /** An authenticated submission client. */
    static SmtpScript submitter(TestGateway node, String source, String user) throws IOException {
        SmtpScript smtp = client(node, "submission", source);
        smtp.send("AUTH PLAIN " + plain("", user, PASSWORD)).expect("235 2.7.0");
        return smtp;
    }

    /** One MAIL FROM on {@code listener} from {@code source}; the reply. */
    static String mailFrom(TestGateway node, String listener, String source) throws IOException {
        try (SmtpScript smtp = client(node, listener, source)) {
            return smtp.send("MAIL FROM:<someone@sender.test>").readReply();
        }
    }

    /** One RCPT on the greylisting listener for a fixed triplet from {@code source}; the reply. */
    static String greylistAttempt(TestGateway node, String source) throws IOException {
        try (SmtpScript smtp = client(node, "inbound", source)) {
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            return smtp.send("RCPT TO:<rcpt@example.test>").readReply();
        }
    }
}
