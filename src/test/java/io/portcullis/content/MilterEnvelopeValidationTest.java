package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.Closing;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Envelope addresses a milter hands back go through the session's own address parser first. The
 * milter is a real libmilter peer (Debian's python3-milter) that adds, removes or replaces
 * envelope addresses as X-Milter-* header fields of the message ask it to (values in base64, so
 * they can hold anything). On the inbound listener (fail-closed) an address the session would
 * refuse is a milter failure: 451 4.7.1 and nothing queued; on the outbound one (fail-open) the
 * message goes on with its envelope as received and the skip noted.
 */
class MilterEnvelopeValidationTest {
    private static final String MILTER = """
            import base64, sys
            import Milter

            class EnvelopeChanger(Milter.Base):
                def envfrom(self, sender, *parameters):
                    self.edits = []
                    return Milter.CONTINUE

                def header(self, name, value):
                    if name.lower().startswith('x-milter-'):
                        self.edits.append((name.lower(), base64.b64decode(value).decode('utf-8')))
                    return Milter.CONTINUE

                def eom(self):
                    for name, value in self.edits:
                        if name == 'x-milter-add':
                            self.addrcpt(value)
                        elif name == 'x-milter-delete':
                            self.delrcpt(value)
                        elif name == 'x-milter-from':
                            self.chgfrom(value)
                    return Milter.ACCEPT

            Milter.factory = EnvelopeChanger
            Milter.set_flags(Milter.ADDRCPT | Milter.DELRCPT | Milter.CHGFROM)
            Milter.runmilter('portcullis-test', 'inet:%s@127.0.0.1' % sys.argv[1], 30)
            """;

    private static Process milter;
    private static Path directory;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.exists(Path.of("/usr/lib/python3/dist-packages/Milter/__init__.py"))) {
            ExternalProgram.unavailable("pymilter is not installed (Debian package python3-milter; bin/test installs it when run as root)");
        }
        directory = Files.createTempDirectory("pymilter");
        Path script = Files.writeString(directory.resolve("envelope_changer.py"), MILTER);
        int port = SmtpSink.freePort();
        milter = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(port)).redirectErrorStream(true)
                .redirectOutput(directory.resolve("milter.out").toFile()).start();
        awaitListening(port);
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: changer
                  type: milter
                  address: 127.0.0.1:%d
                  timeout: 10s
                """.formatted(port), """
                content:
                  chain: [changer]
                """, """
                content:
                  chain:
                    - check: changer
                      on-failure: fail-open
                """));
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && milter.isAlive()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("pymilter did not start: " + Files.readString(directory.resolve("milter.out")));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway);
        if (milter != null) {
            milter.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    record Change(String name, String fields, String sender, List<String> recipients) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Change> valid() {
        return List.of(
                new Change("a recipient added", field("Add", "<added@example.test>"), "sender@remote.test",
                        List.of("user@example.test", "added@example.test")),
                new Change("a recipient added without brackets", field("Add", "bare@example.test"), "sender@remote.test",
                        List.of("user@example.test", "bare@example.test")),
                new Change("one recipient for another", field("Delete", "<user@example.test>") + field("Add", "<other@example.test>"),
                        "sender@remote.test", List.of("other@example.test")),
                new Change("a new sender", field("From", "<bounces@remote.test>"), "bounces@remote.test",
                        List.of("user@example.test")),
                new Change("the null sender", field("From", "<>"), "", List.of("user@example.test")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void usesValidAddresses(Change change) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            String id = smtp.sendMessage("sender@remote.test", "user@example.test", change.fields() + "Subject: x\r\n\r\nhi\r\n");
            Envelope envelope = gateway.envelope(id);
            assertThat(envelope.sender()).isEqualTo(change.sender());
            assertThat(envelope.recipients()).extracting(Envelope.Recipient::address)
                    .containsExactlyElementsOf(change.recipients());
        }
    }

    static List<Change> invalid() {
        return List.of(
                new Change("a line break and a second command", field("Add", "<evil@example.test>\r\nRCPT TO:<x@remote.test>"), null, null),
                new Change("parameters after the address", field("Add", "<evil@example.test> NOTIFY=NEVER"), null, null),
                new Change("no domain", field("Add", "<nodomain>"), null, null),
                new Change("a domain with an underscore", field("Add", "<user@bad_domain.example.test>"), null, null),
                new Change("a local part of 65 octets", field("Add", "<" + "a".repeat(65) + "@example.test>"), null, null),
                new Change("UTF-8 without SMTPUTF8", field("Add", "<jürgen@example.test>"), null, null),
                new Change("two at signs", field("Add", "<a@b@example.test>"), null, null),
                new Change("an unterminated sender", field("From", "<spoof@example.test"), null, null),
                new Change("a sender with a space", field("From", "<spoof @example.test>"), null, null),
                new Change("a removal that is no address", field("Delete", "<<user@example.test>>"), null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void failsTheStepForAnInvalidAddress(Change change) throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.transaction("sender@remote.test", "user@example.test", change.fields() + "Subject: x\r\n\r\nhi\r\n",
                    "451 4.7.1 Message content could not be checked, try again later");
            smtp.send("NOOP").expect("250");
        }
        assertThat(gateway.queued()).hasSize(before);
        assertThat(gateway.incomingFiles()).isEmpty();
        try (SmtpScript smtp = gateway.connect()) { // the gateway and the milter serve the next message
            smtp.expect("220").send("EHLO client.test").expect("250");
            smtp.sendMessage("sender@remote.test", "user@example.test", field("Add", "<next@example.test>") + "Subject: y\r\n\r\nhi\r\n");
        }
        assertThat(gateway.queued()).hasSize(before + 1);
    }

    @Test
    void failOpenKeepsTheEnvelopeAsReceived() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250");
            String id = smtp.sendMessage("user@example.test", "someone@remote.test",
                    field("Add", "<evil@remote.test>\r\nDATA") + field("From", "<ceo@example.test>") + "Subject: x\r\n\r\nhi\r\n");
            Envelope envelope = gateway.envelope(id);
            assertThat(envelope.sender()).isEqualTo("user@example.test");
            assertThat(envelope.recipients()).extracting(Envelope.Recipient::address).containsExactly("someone@remote.test");
            assertThat(new String(gateway.message(id), StandardCharsets.UTF_8))
                    .contains(ContentChain.SKIPPED_HEADER + ": changer (error)");
        }
    }

    private static String field(String action, String value) {
        return "X-Milter-" + action + ": " + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }
}
