package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.StallingNextHop;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Delivery keeps the promises of its settings and of the sender's DSN parameters, against
 * smtp-sink: {@code max-connections-per-destination} bounds the connections to one destination,
 * {@code max-deliveries} the attempts in progress, {@code NOTIFY=NEVER} suppresses the bounce for
 * that recipient only, and {@code RET=FULL} returns the whole message.
 */
class DeliveryLimitsTest {

    private static TestGateway gateway(String connectors, String routes, String delivery) throws Exception {
        return TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                %s
                  - name: bounces
                    type: drop
                    folder: drop/bounces
                routes:
                %s
                  - domains: ["*"]
                    connector: bounces
                    flows: [local]
                delivery:
                  retry: [1s]
                %s
                """.formatted(connectors.stripIndent().indent(2).stripTrailing(), routes.stripIndent().indent(2).stripTrailing(),
                delivery.stripIndent().indent(2).stripTrailing())));
    }

    private static String send(TestGateway gateway, String mailParameters, List<String> rcptLines, String body) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@example.test>" + mailParameters).expect("250");
            for (String rcpt : rcptLines) {
                smtp.send("RCPT TO:" + rcpt).expect("250");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: limits\r\n\r\n" + body + "\r\n.\r\n").expect("250");
            return smtp.queueId();
        }
    }

    private static long connections(SmtpSink sink) throws Exception {
        return sink.log().lines().filter(line -> line.contains("smtp-sink: connect (")).count(); // SmtpSink checks readiness in /proc, without connecting
    }

    @Test
    void maxConnectionsPerDestinationBoundsTheConnectionsToOneDestination() throws Exception {
        // Each DATA reply takes a second, so six messages queued at once would want six connections.
        try (SmtpSink sink = SmtpSink.start(0, "-v", "-w", "1");
             TestGateway gateway = gateway("""
                     - name: internal
                       type: smarthost
                       hosts: ["127.0.0.1:%d"]
                       tls: none
                       max-connections-per-destination: 2
                     """.formatted(sink.port()), """
                     - domains: [one.test]
                       connector: internal
                     """, "max-deliveries: 10")) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(send(gateway, "", List.of("<user" + i + "@one.test>"), "message " + i));
            }
            assertThat(gateway.awaitEmptyQueue(60)).as("all delivered").isTrue();
            assertThat(sink.awaitTransactions(6, 10)).hasSize(6);
            assertThat(connections(sink)).as("connections to the destination").isBetween(1L, 2L);
        }
    }

    @Test
    void maxDeliveriesBoundsTheAttemptsInProgress() throws Exception {
        // With one slot, the message to the healthy next hop waits for the stalled attempt to end.
        try (SmtpSink healthy = SmtpSink.start(0);
             StallingNextHop stalled = StallingNextHop.start(StallingNextHop.Stall.AFTER_GREETING);
             TestGateway gateway = gateway("""
                     - name: stalled
                       type: smarthost
                       hosts: ["127.0.0.1:%d"]
                       tls: none
                       timeouts: {command: 3s}
                     - name: healthy
                       type: smarthost
                       hosts: ["127.0.0.1:%d"]
                       tls: none
                     """.formatted(stalled.port(), healthy.port()), """
                     - domains: [stalled.test]
                       connector: stalled
                     - domains: [healthy.test]
                       connector: healthy
                     """, "max-deliveries: 1")) {
            String stuck = send(gateway, "", List.of("<user@stalled.test>"), "stuck");
            assertThat(stalled.awaitConnections(1, 30)).isTrue();
            send(gateway, "", List.of("<user@healthy.test>"), "waits for the slot");
            List<String> delivered = healthy.awaitTransactions(1, 60);
            assertThat(delivered).hasSize(1);
            assertThat(gateway.spool().readJournal(stuck)).as("the stalled attempt had ended first")
                    .anySatisfy(r -> assertThat(r.type()).isEqualTo(DeliveryRecord.Type.DEFERRED));
        }
    }

    @Test
    void notifyNeverSuppressesTheBounceForThatRecipientOnly() throws Exception {
        try (SmtpSink hard = SmtpSink.start(0, "-f", "RCPT");
             TestGateway gateway = gateway("""
                     - name: internal
                       type: smarthost
                       hosts: ["127.0.0.1:%d"]
                       tls: none
                     """.formatted(hard.port()), """
                     - domains: [refusing.test]
                       connector: internal
                     """, "max-deliveries: 10")) {
            String id = send(gateway, "", List.of("<quiet@refusing.test> NOTIFY=NEVER", "<loud@refusing.test>"), "x");
            assertThat(gateway.awaitEmptyQueue(30)).as("bounced and gone").isTrue();
            String dsn = awaitBounce(gateway, id);
            assertThat(dsn).contains("Final-Recipient: rfc822; loud@refusing.test", "Action: failed")
                    .doesNotContain("quiet@refusing.test");
        }
    }

    @Test
    void retFullReturnsTheWholeMessage() throws Exception {
        try (SmtpSink hard = SmtpSink.start(0, "-f", "RCPT");
             TestGateway gateway = gateway("""
                     - name: internal
                       type: smarthost
                       hosts: ["127.0.0.1:%d"]
                       tls: none
                     """.formatted(hard.port()), """
                     - domains: [refusing.test]
                       connector: internal
                     """, "max-deliveries: 10")) {
            String full = send(gateway, " RET=FULL", List.of("<a@refusing.test>"), "the body comes back too");
            String headers = send(gateway, " RET=HDRS", List.of("<b@refusing.test>"), "this body stays here");
            assertThat(awaitBounce(gateway, full)).contains("Content-Type: message/rfc822", "Subject: limits",
                    "the body comes back too");
            assertThat(awaitBounce(gateway, headers)).contains("Content-Type: text/rfc822-headers", "Subject: limits")
                    .doesNotContain("this body stays here");
        }
    }

    private static String awaitBounce(TestGateway gateway, String id) throws Exception {
        Path bounces = gateway.dataDirectory().resolve("drop/bounces");
        for (int i = 0; i < 400; i++) {
            if (Files.exists(bounces)) {
                try (Stream<Path> files = Files.list(bounces)) {
                    for (Path file : files.filter(p -> p.toString().endsWith(".eml")).toList()) {
                        String text = Files.readString(file, StandardCharsets.UTF_8);
                        if (text.contains(id)) {
                            return text;
                        }
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no bounce for " + id);
    }
}
