package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The milter phase check against a real libmilter peer (Debian's python3-milter running
 * src/test/resources/milter/stage_recorder.py on a loopback port), which records every callback
 * with its macros and refuses recipients by name. The inbound listener names the check at every
 * phase, the outbound one at connect and data only; the milter's timeout is 3 s.
 */
class MilterPhaseCheckTest {
    private static final String CHECK = """
            phase-checks:
              - name: recorder
                type: milter
                address: 127.0.0.1:%d
                timeout: 3s
            """;
    private static final String PHASES = """
            phases:
              connect: [recorder]
              helo: [recorder]
              mail: [recorder]
              rcpt: [recorder]
              data: [recorder]
            """;

    private static Process milter;
    private static Path directory;
    private static Path log;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.exists(Path.of("/usr/lib/python3/dist-packages/Milter/__init__.py"))) {
            ExternalProgram.unavailable("pymilter is not installed (Debian package python3-milter)");
        }
        directory = Files.createTempDirectory("phase-milter");
        log = directory.resolve("callbacks.log");
        Files.createFile(log);
        int port = SmtpSink.freePort();
        milter = startMilter(directory, port, log);
        String yaml = withPhases(TestGateway.defaultYaml(""), PHASES).replace("    relay-networks: [127.0.0.0/8]\n",
                "    relay-networks: [127.0.0.0/8]\n    phases:\n      connect: [recorder]\n      data: [recorder]\n");
        gateway = TestGateway.startYaml(yaml + CHECK.formatted(port));
    }

    static Process startMilter(Path directory, int port, Path log) throws Exception {
        Path script = directory.resolve("stage_recorder.py");
        try (InputStream in = MilterPhaseCheckTest.class.getResourceAsStream("/milter/stage_recorder.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process process = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(port), log.toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("milter.out").toFile()).start();
        Eventually.listening(Duration.ofSeconds(30), "pymilter", port, process,
                () -> Files.readString(directory.resolve("milter.out")));
        return process;
    }

    /** The YAML with {@code phases} placed under the inbound listener. */
    static String withPhases(String yaml, String phases) {
        return yaml.replace("  - name: outbound\n", phases.stripIndent().indent(4) + "  - name: outbound\n");
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway);
        if (milter != null) {
            milter.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesOnlyTheRecipientsTheMilterRefusesAndQueuesForTheOthers() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO rcpt.client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<one@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<bad@example.test>").expect("550 5.7.1 Command rejected");
            smtp.send("RCPT TO:<later@example.test>").expect("451 4.7.1 Service unavailable - try again later");
            smtp.send("RCPT TO:<two@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: two of four\r\n\r\nhello\r\n.\r\n").expect("250 2.0.0");
            Envelope envelope = gateway.envelope(smtp.queueId());
            assertThat(envelope.recipients()).extracting(Envelope.Recipient::address)
                    .containsExactly("one@example.test", "two@example.test");
            assertThat(gateway.message(smtp.queueId())).asString().doesNotContain("X-Phase-Milter"); // eom edits: not applied
            smtp.send("QUIT").expect("221");
        }
        List<Event> events = Eventually.value(Duration.ofSeconds(10), "the milter's close", () -> session("rcpt.client.test"),
                list -> list.getLast().name().equals("close"));
        assertThat(events).extracting(Event::name).containsExactly("connect", "helo", "mail", "rcpt", "rcpt", "rcpt",
                "rcpt", "data", "header", "header", "eoh", "body", "eom", "close");
        assertThat(events.get(8).values()).containsEntry("name", "Received"); // our own trace field, as Postfix sends it
        assertThat(events.get(9).values()).containsEntry("name", "Subject").containsEntry("value", "two of four");
    }

    @Test
    void eachCallbackArrivesAtItsStage() throws Exception {
        int connects = count("connect");
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220");
            assertThat(count("connect")).as("connect before the banner").isEqualTo(connects + 1);
            int helos = count("helo");
            smtp.send("EHLO stage.client.test").expect("250 ");
            assertThat(count("helo")).isEqualTo(helos + 1);
            assertThat(names("stage.client.test")).containsExactly("connect", "helo");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            assertThat(names("stage.client.test")).containsExactly("connect", "helo", "mail");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            assertThat(names("stage.client.test")).containsExactly("connect", "helo", "mail", "rcpt");
            smtp.send("DATA").expect("354");
            assertThat(names("stage.client.test")).containsExactly("connect", "helo", "mail", "rcpt"); // DATA goes with the message
            smtp.sendRaw("Subject: stages\r\n\r\nbody\r\n.\r\n").expect("250 2.0.0");
            assertThat(names("stage.client.test")).containsExactly("connect", "helo", "mail", "rcpt", "data", "header",
                    "header", "eoh", "body", "eom");
        }
    }

    @Test
    void sendsTheMacrosTheMilterAskedFor() throws Exception {
        String id;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO macros.client.test").expect("250 ");
            id = smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: macros\r\n\r\nx\r\n");
        }
        List<Event> events = session("macros.client.test");
        Map<String, String> connect = events.getFirst().values();
        assertThat(connect).containsEntry("j", "gateway.test").containsEntry("client_addr", "127.0.0.1")
                .containsEntry("_", "[127.0.0.1]").containsKey("client_port");
        assertThat(connect.get("client_port")).matches("[1-9][0-9]*");
        assertThat(connect).as("not asked for at connect (SETSYMLIST)").containsEntry("daemon_name", "None")
                .containsEntry("if_addr", "None");
        assertThat(event(events, "mail")).containsEntry("mail_addr", "sender@remote.test");
        assertThat(event(events, "rcpt")).containsEntry("rcpt_addr", "user@example.test")
                .as("asked for at rcpt only").containsEntry("if_addr", "127.0.0.1");
        assertThat(event(events, "data")).containsEntry("i", id);
        assertThat(event(events, "eom")).containsEntry("i", id);
    }

    @Test
    void oneConnectionPerSessionAndAbortOnReset() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO two.client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("RSET").expect("250");
            Eventually.value(Duration.ofSeconds(10), "SMFIC_ABORT after RSET", () -> names("two.client.test"),
                    names -> names.contains("abort"));
            smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: first\r\n\r\nx\r\n");
            smtp.sendMessage("sender@remote.test", "other@example.test", "Subject: second\r\n\r\ny\r\n");
            smtp.send("QUIT").expect("221");
        }
        assertThat(Eventually.value(Duration.ofSeconds(10), "the milter's close", () -> names("two.client.test"),
                names -> names.contains("close"))).containsExactly("connect", "helo", "mail", "rcpt", "abort",
                "mail", "rcpt", "data", "header", "header", "eoh", "body", "eom",
                "mail", "rcpt", "data", "header", "header", "eoh", "body", "eom", "close");
    }

    @Test
    void sendsTheCallbacksOfPhasesItIsNotNamedInWhenItNextRuns() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO catchup.client.test").expect("250 ");
            assertThat(events()).as("no HELO callback yet (not named at helo)")
                    .noneMatch(e -> "catchup.client.test".equals(e.values().get("name")));
            smtp.send("MAIL FROM:<sender@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bad@example.test>").expect("250 2.1.5"); // not named at rcpt: not asked here
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: catch up\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            assertThat(gateway.envelope(smtp.queueId()).recipients()).extracting(Envelope.Recipient::address)
                    .containsExactly("bad@example.test", "user@example.test"); // too late to refuse one (logged)
        }
        assertThat(names("catchup.client.test")).startsWith("connect", "helo", "mail", "rcpt", "rcpt", "data", "header",
                "header", "eoh", "body", "eom");
    }

    @Test
    void usesTheMilterReplyCodeWithItsStatusClassMadeToMatch() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO reply.client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<custom@example.test>").expect("554 5.7.9 Recipient refused by the test milter");
            smtp.send("RCPT TO:<mismatch@example.test>").expect("451 4.7.1 Try this one later");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
        }
    }

    @Test
    void refusesTheMessageAtTheEndOfDataAndTheSessionGoesOn() throws Exception {
        int before = gateway.queued().size();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO eom.client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", "X-Test-Reject: yes\r\nSubject: no\r\n\r\nx\r\n",
                    "550 5.7.1 Command rejected");
            smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: yes\r\n\r\nx\r\n");
        }
        assertThat(gateway.queued()).hasSize(before + 1);
    }

    @Test
    void acceptFromTheMilterEndsItsCallbacksForTheMessage() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO accept.client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<accept@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<bad@example.test>").expect("250 2.1.5"); // no longer asked
            smtp.send("DATA").expect("354");
            smtp.sendRaw("X-Test-Reject: yes\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: next\r\n\r\nx\r\n"); // asked again
        }
        assertThat(Eventually.value(Duration.ofSeconds(10), "the milter's close", () -> names("accept.client.test"),
                names -> names.contains("close"))).containsExactly("connect", "helo", "mail", "rcpt",
                "mail", "rcpt", "data", "header", "header", "eoh", "body", "eom", "close");
    }

    @Test
    void passesUnknownCommandsToTheMilter() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO unknown.client.test").expect("250 ");
            smtp.send("XYZZY plugh").expect("500 5.5.1");
            smtp.send("BADVERB now").expect("550 5.7.1 Command rejected");
            smtp.send("NOOP").expect("250");
        }
        assertThat(session("unknown.client.test")).filteredOn(e -> e.name().equals("unknown"))
                .extracting(e -> e.values().get("command")).containsExactly("XYZZY plugh", "BADVERB now");
    }

    @Test
    void aHungMilterTempfailsWithinItsTimeoutAndIsGivenUpForTheSession() throws Exception {
        for (String recipient : List.of("hang@example.test", "progress@example.test")) {
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO hang.client.test").expect("250 ");
                smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
                long start = System.nanoTime();
                smtp.send("RCPT TO:<" + recipient + ">").expect("451 4.7.1 Service unavailable - try again later");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as(recipient).isBetween(Duration.ofSeconds(2),
                        Duration.ofSeconds(20));
                smtp.send("RCPT TO:<user@example.test>").expect("451 4.7.1"); // on-failure: tempfail, for the session
            }
            try (SmtpScript smtp = gateway.connect()) { // a fresh client is served
                smtp.expect("220").send("EHLO fresh.client.test").expect("250 ");
                smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: fresh\r\n\r\nx\r\n");
            }
        }
    }

    @Test
    void aMilterThatIsDownGetsItsFailureAction() throws Exception {
        int closedPort = SmtpSink.freePort();
        String checks = """
                phase-checks:
                  - name: down
                    type: milter
                    address: 127.0.0.1:%d
                    timeout: 3s
                  - name: down-open
                    type: milter
                    address: 127.0.0.1:%d
                    timeout: 3s
                    on-failure: accept
                """.formatted(closedPort, closedPort);
        String yaml = withPhases(TestGateway.defaultYaml(""), """
                phases:
                  connect: [down]
                """).replace("    relay-networks: [127.0.0.0/8]\n", "    relay-networks: [127.0.0.0/8]\n"
                + "    phases:\n      connect: [down-open]\n      rcpt: [down-open]\n");
        try (TestGateway down = TestGateway.startYaml(yaml + checks)) {
            try (SmtpScript smtp = down.connect()) {
                smtp.expect("421 4.7.1 Service unavailable - try again later");
                smtp.expectClosed();
            }
            try (SmtpScript smtp = SmtpScript.connect(down.port("outbound"))) {
                smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
                String id = smtp.sendMessage("user@example.test", "someone@remote.test", "Subject: open\r\n\r\nx\r\n");
                assertThat(down.envelope(id).recipients()).extracting(Envelope.Recipient::address)
                        .containsExactly("someone@remote.test");
            }
            assertThat(down.metrics()).contains("check=\"down-open\"").contains("result=\"skip\"");
        }
    }

    record Event(String connection, String name, Map<String, String> values) {
    }

    private static List<Event> events() throws IOException {
        List<Event> events = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t");
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 2; i < fields.length; i++) {
                int equals = fields[i].indexOf('=');
                values.put(fields[i].substring(0, equals), fields[i].substring(equals + 1));
            }
            events.add(new Event(fields[0], fields[1], values));
        }
        return events;
    }

    /** The callbacks of the milter connection whose client said {@code helo}. */
    private static List<Event> session(String helo) throws IOException {
        List<Event> all = events();
        String connection = all.stream().filter(e -> e.name().equals("helo") && helo.equals(e.values().get("name")))
                .map(Event::connection).findFirst().orElseThrow(() -> new AssertionError("no session said " + helo));
        return all.stream().filter(e -> e.connection().equals(connection)).toList();
    }

    private static List<String> names(String helo) throws IOException {
        return session(helo).stream().map(Event::name).toList();
    }

    private static Map<String, String> event(List<Event> events, String name) {
        return events.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow().values();
    }

    private static int count(String name) throws IOException {
        return (int) events().stream().filter(e -> e.name().equals(name)).count();
    }
}
