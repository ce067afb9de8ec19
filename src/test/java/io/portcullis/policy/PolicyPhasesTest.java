package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The policy phases over SMTP: a defined check (static lists from files) placed among the built-in
 * rules, acting at connect, mail and rcpt; its lists re-read when they change; every verdict
 * counted per phase, check and result; every refusal a tracking event naming phase and check.
 */
class PolicyPhasesTest {
    private static TestGateway gateway;
    private static Path lists;

    @BeforeAll
    static void start() throws Exception {
        lists = Files.createTempDirectory("portcullis-lists");
        Files.writeString(lists.resolve("block-clients.txt"), "# spam sources\n127.0.0.66\n127.0.1.0/24\n");
        Files.writeString(lists.resolve("allow-clients.txt"), "127.0.1.7\n");
        Files.writeString(lists.resolve("block-senders.txt"), "@spam.example\n.bad.example\nCeo@Evil.Example\nnot an entry\n");
        Files.writeString(lists.resolve("block-recipients.txt"), "closed@example.test\n");
        String yaml = TestGateway.defaultYaml("").replaceFirst("    limits:\n", """
                    phases:
                      connect: [local-lists, access]
                      mail: [local-lists]
                      rcpt: [relay, local-lists]
                    access:
                      deny: [127.0.0.77/32]
                    limits:
                """) + """
                phase-checks:
                  - name: local-lists
                    type: lists
                    block-clients: %s
                    allow-clients: %s
                    block-senders: %s
                    block-recipients: %s
                """.formatted(lists.resolve("block-clients.txt"), lists.resolve("allow-clients.txt"),
                lists.resolve("block-senders.txt"), lists.resolve("block-recipients.txt"));
        gateway = TestGateway.startYaml(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void aBlockedClientIsRefusedBeforeTheBannerAndTheRefusalIsTrackedAndCounted() throws Exception {
        String listsDisconnect = "portcullis_policy_verdicts_total{check=\"local-lists\",flow=\"inbound\","
                + "listener=\"inbound\",phase=\"connect\",result=\"disconnect\"}";
        String accessReject = "portcullis_policy_verdicts_total{check=\"access\",flow=\"inbound\","
                + "listener=\"inbound\",phase=\"connect\",result=\"reject\"}";
        String refused = "portcullis_connections_refused_total{flow=\"inbound\",listener=\"inbound\",reason=\"block-clients\"}";
        double listsBefore = value(listsDisconnect);
        double accessBefore = value(accessReject);
        double refusedBefore = value(refused);
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.66", gateway.inboundPort())) {
            smtp.expect("554 5.7.1 Service unavailable; client blocked by local policy");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.1.9", gateway.inboundPort())) {
            smtp.expect("554 5.7.1").expectClosed();
        }
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.1.7", gateway.inboundPort())) {
            smtp.expect("220 "); // allow-listed inside a blocked network: the allow entry wins
        }
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.77", gateway.inboundPort())) {
            smtp.expect("554 5.7.1 Access denied").expectClosed(); // the built-in access check, after the lists
        }
        assertThat(value(listsDisconnect) - listsBefore).isEqualTo(2.0);
        assertThat(value(accessReject) - accessBefore).isEqualTo(1.0);
        assertThat(value(refused) - refusedBefore).isEqualTo(2.0);
        List<TrackingEvent> refusals = refusals(null, "127.0.0.66");
        assertThat(refusals).singleElement().satisfies(event -> {
            assertThat(event.phase()).isEqualTo("connect");
            assertThat(event.check()).isEqualTo("local-lists");
            assertThat(event.reason()).isEqualTo("block-clients");
            assertThat(event.reply()).startsWith("554 5.7.1");
        });
    }

    @Test
    void blockedSendersAreRefusedAtMailInEverySpelling() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.5", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.example.org").expect("250 ");
            for (String sender : List.of("a@spam.example", "A@SPAM.EXAMPLE", "x@mail.bad.example", "ceo@evil.example",
                    "CEO@EVIL.EXAMPLE")) {
                smtp.send("MAIL FROM:<" + sender + ">").expect("550 5.7.1 Sender address rejected: blocked by local policy");
            }
            smtp.send("MAIL FROM:<other@evil.example>").expect("250 2.1.0");
            smtp.send("RSET").expect("250");
            smtp.send("MAIL FROM:<a@bad.example>").expect("250 2.1.0"); // .bad.example: subdomains only
            smtp.send("QUIT").expect("221");
        }
        assertThat(refusals("x@mail.bad.example", null)).singleElement().satisfies(event -> {
            assertThat(event.helo()).isEqualTo("client.example.org");
            assertThat(event.phase()).isEqualTo("mail");
            assertThat(event.check()).isEqualTo("local-lists");
        });
    }

    @Test
    void aBlockedRecipientIsRefusedAloneAndTheOthersGetTheMessage() throws Exception {
        String id;
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.6", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.example.org").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<closed@example.test>").expect("550 5.7.1 Recipient address rejected: blocked by local policy");
            smtp.send("RCPT TO:<CLOSED@Example.Test>").expect("550 5.7.1");
            smtp.send("RCPT TO:<open@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: hi\r\n\r\nbody\r\n.\r\n").expect("250 2.0.0");
            id = smtp.queueId();
        }
        assertThat(gateway.envelope(id).recipients()).extracting(r -> r.address()).containsExactly("open@example.test");
        assertThat(refusals(null, "127.0.0.6")).hasSize(2).allSatisfy(event -> {
            assertThat(event.phase()).isEqualTo("rcpt");
            assertThat(event.recipients()).hasSize(1);
            assertThat(event.recipients().getFirst()).isEqualToIgnoringCase("closed@example.test");
        });
    }

    @Test
    void aListFileIsReadAgainWhenItChanges() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.88", gateway.inboundPort())) {
            smtp.expect("220 ");
        }
        Path file = lists.resolve("block-clients.txt");
        Files.writeString(file, Files.readString(file) + "127.0.0.88\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5))); // a new version whatever the clock's grain
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.88", gateway.inboundPort())) {
            smtp.expect("554 5.7.1").expectClosed();
        }
    }

    @Test
    void aListenerThatNamesNoPhaseCheckRunsOnlyItsBuiltInRules() throws Exception {
        // The outbound listener names no phase checks: only its built-in rules run there.
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.66", gateway.port("outbound"))) {
            smtp.expect("220 ").send("EHLO internal").expect("250 ");
            smtp.send("MAIL FROM:<a@spam.example>").expect("250 2.1.0");
        }
    }

    /** A sample's value in the gateway's Prometheus text; 0 when absent. */
    private static double value(String sample) {
        for (String line : gateway.metrics().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return 0;
    }

    private static List<TrackingEvent> refusals(String sender, String client) throws Exception {
        return gateway.trackedRefusals().stream()
                .filter(e -> (sender == null || sender.equalsIgnoreCase(e.sender())) && (client == null || client.equals(e.client())))
                .toList();
    }
}
