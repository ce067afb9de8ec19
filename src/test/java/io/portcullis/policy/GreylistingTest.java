package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, greylisting: an unknown triplet (client /24, sender, recipient) gets 451 4.7.1 at RCPT
 * and nothing is queued; a retry before the delay gets it again, one after the delay and within the
 * window is accepted and delivered to the spool, one after the window starts over. The clock is a
 * {@link MutableClock} the test moves; the gateway is real.
 */
class GreylistingTest {
    static final String GREYLISTED = "451 4.7.1 Greylisted, please try again later";

    private final MutableClock clock = new MutableClock();
    private TestGateway gateway;

    @AfterEach
    void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** The test gateway with a greylist check named "greylist" ({@code options} under it) at the inbound listener's rcpt. */
    static String yaml(String options) throws IOException {
        return yaml(options, "rcpt: [greylist]");
    }

    static String yaml(String options, String phases) throws IOException {
        String yaml = TestGateway.defaultYaml("max-errors: 1000");
        yaml = yaml.replace("  - name: outbound\n", "    phases:\n" + phases.stripIndent().indent(6) + "  - name: outbound\n");
        return yaml + "phase-checks:\n  - name: greylist\n    type: greylist\n" + options.stripIndent().indent(4);
    }

    /** One RCPT from {@code client} (a 127.0.0.x address) for the triplet; the reply. */
    static String attempt(TestGateway gateway, String client, String sender, String recipient) throws IOException {
        try (SmtpScript smtp = SmtpScript.connectFrom(client, gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            smtp.send("MAIL FROM:<" + sender + ">").expect("250 2.1.0");
            return smtp.send("RCPT TO:<" + recipient + ">").readReply();
        }
    }

    /** A whole message from {@code client}; its queue id, after asserting the 250 replies. */
    static String deliver(TestGateway gateway, String client, String sender, String recipient) throws IOException {
        try (SmtpScript smtp = SmtpScript.connectFrom(client, gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            return smtp.sendMessage(sender, recipient, "Subject: greylisting\r\n\r\nhello\r\n");
        }
    }

    @Test
    void unknownTripletIsRefusedForNowThenAcceptedAfterTheDelay() throws Exception {
        gateway = TestGateway.startYaml(yaml(""), clock);
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@sender.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
            smtp.send("DATA").expect("503 5.5.1");
        }
        assertThat(gateway.queued()).isEmpty();

        clock.advance(Duration.ofMinutes(4));
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        assertThat(gateway.queued()).isEmpty();

        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        String id = deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.sender()).isEqualTo("alice@sender.test");
        assertThat(gateway.queued()).containsExactly(id);

        // passed: accepted at once from now on, and a day later too
        clock.advance(Duration.ofDays(1));
        deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
        assertThat(gateway.queued()).hasSize(2);
        assertThat(gateway.metrics()).contains("portcullis_greylist_entries{check=\"greylist\"} 2.0");
    }

    @Test
    void aRetryAfterTheWindowIsGreylistedAnew() throws Exception {
        gateway = TestGateway.startYaml(yaml("delay: 10m\nwindow: 1h"), clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofHours(1));
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(9));
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(1));
        deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
        assertThat(gateway.queued()).hasSize(1);
    }

    @Test
    void eachPartOfTheTripletCounts() throws Exception {
        gateway = TestGateway.startYaml(yaml(""), clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(5));
        // a different recipient, sender or client network: first sight
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test")).startsWith(GREYLISTED);
        assertThat(attempt(gateway, "127.0.0.2", "mallory@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        assertThat(attempt(gateway, "127.0.1.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        // the null sender is a sender of its own
        assertThat(attempt(gateway, "127.0.0.2", "", "bob@example.test")).startsWith(GREYLISTED);
        // the canonical forms: the same triplet in other spellings passes
        assertThat(attempt(gateway, "127.0.0.2", "Alice@SENDER.test", "BOB@Example.Test")).startsWith("250 2.1.5");
        assertThat(gateway.queued()).isEmpty();
    }

    @Test
    void clientsOfOneSlash24AreOneClient() throws Exception {
        gateway = TestGateway.startYaml(yaml(""), clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(5));
        // the retry comes from another address of the sender's pool
        deliver(gateway, "127.0.0.3", "alice@sender.test", "bob@example.test");
        assertThat(gateway.queued()).hasSize(1);
    }

    @Test
    void theClientNetworkIsConfigurable() throws Exception {
        gateway = TestGateway.startYaml(yaml("ipv4-prefix: 32"), clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        clock.advance(Duration.ofMinutes(5));
        assertThat(attempt(gateway, "127.0.0.3", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith("250 2.1.5");
    }

    @Test
    void aNetworkIsAllowedAfterItPassedEnoughTriplets() throws Exception {
        gateway = TestGateway.startYaml(yaml("auto-allow-after: 3"), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(attempt(gateway, "127.0.0.2", "s" + i + "@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        }
        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 2; i++) {
            deliver(gateway, "127.0.0.2", "s" + i + "@sender.test", "bob@example.test");
        }
        // two passes: not yet
        assertThat(attempt(gateway, "127.0.0.4", "new@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        deliver(gateway, "127.0.0.2", "s2@sender.test", "bob@example.test");
        // three: every triplet from the network passes at once, until the expiry after its last use
        deliver(gateway, "127.0.0.5", "never-seen@other.test", "carol@example.test");
        clock.advance(Duration.ofDays(30));
        deliver(gateway, "127.0.0.6", "never-seen-either@other.test", "dave@example.test");
        assertThat(gateway.queued()).hasSize(5);
        // another network is not
        assertThat(attempt(gateway, "127.0.1.2", "new@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        // expired 36 days after the last use
        clock.advance(Duration.ofDays(36));
        assertThat(attempt(gateway, "127.0.0.2", "another@sender.test", "bob@example.test")).startsWith(GREYLISTED);
    }

    @Test
    void greylistingAtTheEndOfData() throws Exception {
        gateway = TestGateway.startYaml(yaml("", "data: [greylist]"), clock);
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@sender.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<carol@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: x\r\n\r\nhello\r\n.\r\n").expect(GREYLISTED);
        }
        assertThat(gateway.queued()).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.sender.test").expect("250 ");
            smtp.send("MAIL FROM:<alice@sender.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<carol@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: x\r\n\r\nhello\r\n.\r\n").expect("250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(1);
        assertThat(gateway.envelope(gateway.queued().getFirst()).recipients()).hasSize(2);
    }

    @Test
    void theStateSurvivesARestart() throws Exception {
        gateway = TestGateway.startYaml(yaml(""), clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test")).startsWith(GREYLISTED);
        // both first sightings are in the file now, so a crash here would keep them (two stores on
        // one file would have had the old one's last compaction replace the file the new one appends to)
        assertThat(Files.readAllLines(gateway.dataDirectory().resolve("greylist/greylist.log"))).hasSize(2);
        gateway.restart();
        clock.advance(Duration.ofMinutes(5));
        deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");

        // a torn last line (the process died during an append) is ignored, and nothing after it is lost
        Path log = gateway.dataDirectory().resolve("greylist/greylist.log");
        assertThat(log).exists();
        Files.writeString(log, "AAAAAAAAAAAAAAAAAAAAAA 17", java.nio.file.StandardOpenOption.APPEND);
        gateway.restart();
        deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
        deliver(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test");
        gateway.restart();
        assertThat(Files.readAllLines(log)).allMatch(line -> line.split(" ").length == 5);
        deliver(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test");
        assertThat(gateway.queued()).hasSize(4);
        assertThat(Files.getPosixFilePermissions(log)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        // no addresses in the state file: keys are hashes
        assertThat(Files.readString(log)).doesNotContain("alice").doesNotContain("example.test").doesNotContain("127.0.0");
    }

    @Test
    void theStateSurvivesAReload() throws Exception {
        String yaml = yaml("");
        gateway = TestGateway.startYaml(yaml, clock);
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test")).startsWith(GREYLISTED);
        // the reloaded check shares the store with the sessions of the old one, which is then closed
        gateway.reload(yaml.replace("max-errors: 1000", "max-errors: 999"));
        assertThat(attempt(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test")).startsWith(GREYLISTED);
        // both first sightings are in the file now, so a crash here would keep them (two stores on
        // one file would have had the old one's last compaction replace the file the new one appends to)
        assertThat(Files.readAllLines(gateway.dataDirectory().resolve("greylist/greylist.log"))).hasSize(2);
        gateway.restart();
        clock.advance(Duration.ofMinutes(5));
        deliver(gateway, "127.0.0.2", "alice@sender.test", "bob@example.test");
        deliver(gateway, "127.0.0.2", "alice@sender.test", "carol@example.test");
        assertThat(gateway.queued()).hasSize(2);
    }

    static double metric(String metrics, String name, String... labels) {
        return metrics.lines().filter(line -> line.startsWith(name + "{"))
                .filter(line -> List.of(labels).stream().allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
