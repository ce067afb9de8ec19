package io.portcullis.delivery;

import java.io.IOException;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Delivery to Postfix's smtp-sink as the internal mail server: the normal case at volume, and the
 * faults a next hop can throw at us (down, soft and hard errors, 421 greeting, reset after DATA).
 */
class SmtpSinkDeliveryTest {
    private static final Pattern RCPT = Pattern.compile("X-Rcpt-Args: <([^>]+)>");

    static TestGateway gatewayTo(int sinkPort, String extra) throws Exception {
        return TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                    tls: none
                  - name: bounces
                    type: drop
                    folder: drop/bounces
                routes:
                  - domains: [example.test]
                    connector: internal
                  - domains: ["*"]
                    connector: bounces
                    flows: [local]
                delivery:
                  retry: [1s]
                %s
                """.formatted(sinkPort, extra)));
    }

    private static String send(TestGateway gateway, String from, String... recipients) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<" + from + ">").expect("250 2.1.0");
            for (String recipient : recipients) {
                smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: to the sink\r\n\r\nhello\r\n.\r\n").expect("250 2.0.0 OK queued as");
            return smtp.queueId();
        }
    }

    @Test
    void twoThousandMessagesAreEachDeliveredExactlyOnce() throws Exception {
        String smtpSource = ExternalProgram.require("smtp-source", "postfix");
        try (SmtpSink sink = SmtpSink.start(0); TestGateway gateway = gatewayTo(sink.port(), "")) {
            ExternalProgram.Result result = ExternalProgram.run(Duration.ofMinutes(3), smtpSource, "-s", "20", "-m", "2000",
                    "-N", "-f", "sender@example.org", "-t", "rcpt@example.test", "127.0.0.1:" + gateway.inboundPort());
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(gateway.awaitEmptyQueue(120)).as("queue drained").isTrue();
            List<String> transactions = sink.awaitTransactions(2000, 30);
            Set<String> recipients = new HashSet<>();
            for (String transaction : transactions) {
                Matcher m = RCPT.matcher(transaction);
                while (m.find()) {
                    assertThat(recipients.add(m.group(1))).as("delivered twice: " + m.group(1)).isTrue();
                }
            }
            assertThat(recipients).hasSize(2000);
        }
    }

    @Test
    void nextHopDownThenUpIsDeliveredOnRetry() throws Exception {
        int port = SmtpSink.freePort();
        try (TestGateway gateway = gatewayTo(port, "")) {
            String id = send(gateway, "sender@example.org", "a@example.test");
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 10);
            assertThat(journal.getFirst().reply()).startsWith("451 4.4.1");
            try (SmtpSink sink = SmtpSink.start(port)) {
                assertThat(gateway.awaitEmptyQueue(15)).isTrue();
                assertThat(sink.awaitTransactions(1, 5)).hasSize(1).first().asString().contains("X-Rcpt-Args: <a@example.test>");
            }
        }
    }

    @Test
    void softErrorsDeferAndHardErrorsBounceToTheSender() throws Exception {
        try (SmtpSink soft = SmtpSink.start(0, "-r", "RCPT"); TestGateway gateway = gatewayTo(soft.port(), "")) {
            String id = send(gateway, "sender@example.org", "a@example.test");
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 10);
            assertThat(journal).anySatisfy(r -> assertThat(r.reply()).startsWith("4"));
            assertThat(gateway.queued()).contains(id);
        }
        try (SmtpSink hard = SmtpSink.start(0, "-f", "RCPT"); TestGateway gateway = gatewayTo(hard.port(), "")) {
            String id = send(gateway, "sender@example.org", "a@example.test");
            assertThat(gateway.awaitEmptyQueue(10)).isTrue();
            String dsn = awaitBounce(gateway);
            assertThat(dsn).contains("To: <sender@example.org>", "Action: failed", "Final-Recipient: rfc822; a@example.test",
                    "Diagnostic-Code: smtp; 5", "Content-Type: text/rfc822-headers", "Subject: to the sink", id);
        }
    }

    @Test
    void greetingWith421Defers() throws Exception {
        try (SmtpSink sink = SmtpSink.start(0, "-Q", "CONNECT"); TestGateway gateway = gatewayTo(sink.port(), "")) {
            String id = send(gateway, "sender@example.org", "a@example.test");
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 10);
            assertThat(journal.getFirst().reply()).startsWith("421");
        }
    }

    @Test
    void resetAfterTheFinalDotDefersAndIsDeliveredOnceLater() throws Exception {
        int port;
        String id;
        TestGateway gateway;
        try (SmtpSink dropping = SmtpSink.start(0, "-q", ".")) {
            port = dropping.port();
            gateway = gatewayTo(port, "");
            id = send(gateway, "sender@example.org", "a@example.test");
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 10);
            assertThat(journal.getFirst().reply()).startsWith("451 4.4.2");
        }
        try (gateway; SmtpSink sink = SmtpSink.start(port)) {
            assertThat(gateway.awaitEmptyQueue(15)).isTrue();
            Eventually.never(Duration.ofMillis(1500), "a second delivery (a retry would arrive within this time)",
                    () -> sink.transactions().size() > 1);
            assertThat(sink.transactions()).hasSize(1);
        }
    }

    @Test
    void undeliverableMailGetsADelayWarningThenExpiresWithADsn() throws Exception {
        try (TestGateway gateway = gatewayTo(SmtpSink.freePort(), "  delay-warning: 1s\n  max-queue-lifetime: 3s\n")) {
            String id = send(gateway, "sender@example.org", "a@example.test");
            assertThat(gateway.awaitEmptyQueue(20)).isTrue();
            Path bounces = gateway.dataDirectory().resolve("drop/bounces");
            List<String> reports = Eventually.value(Duration.ofSeconds(5), "two DSNs in " + bounces,
                    () -> bounces(gateway), found -> found.size() >= 2);
            assertThat(reports).hasSize(2);
            assertThat(reports).anySatisfy(r -> assertThat(r).contains("Action: delayed", "Status: 4.4.1", id));
            assertThat(reports).anySatisfy(r -> assertThat(r).contains("Action: failed", "Status: 4.4.7",
                    "Delivery time expired", id));
        }
    }

    @Test
    void noDsnForTheNullSender() throws Exception {
        try (SmtpSink hard = SmtpSink.start(0, "-f", "RCPT"); TestGateway gateway = gatewayTo(hard.port(), "")) {
            send(gateway, "", "a@example.test");
            assertThat(gateway.awaitEmptyQueue(10)).isTrue();
            Eventually.never(Duration.ofMillis(500), "a DSN to the null sender", () -> !bounces(gateway).isEmpty());
        }
    }

    static String awaitBounce(TestGateway gateway) throws Exception {
        return Eventually.value(Duration.ofSeconds(10), "a bounce in drop/bounces", () -> bounces(gateway),
                found -> !found.isEmpty()).getFirst();
    }

    /** The DSNs the gateway has dropped so far, as text. */
    private static List<String> bounces(TestGateway gateway) throws IOException {
        Path bounces = gateway.dataDirectory().resolve("drop/bounces");
        List<String> reports = new java.util.ArrayList<>();
        if (Files.exists(bounces)) {
            try (Stream<Path> files = Files.list(bounces)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".eml")).sorted().toList()) {
                    reports.add(Files.readString(file, StandardCharsets.UTF_8));
                }
            }
        }
        return reports;
    }
}
