package io.portcullis.app;

import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.config.LoggingConfig;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mail log written to a file by a real gateway under abuse, read by the shipped fail2ban
 * filter through {@code fail2ban-regex}: AUTH failures, pregreet, improper pipelining and too
 * many errors are matched with the abusing client's address; an ordinary client and an AUTH user
 * name carrying a forged log line are not.
 */
class MailLogFail2banTest {
    private static final String PASSWORD = "a long enough password";
    private static final Path FILTER = Path.of("packaging/fail2ban/filter.d/portcullis.conf").toAbsolutePath();
    private static TestGateway gateway;
    private static Path log;

    @BeforeAll
    static void start() throws Exception {
        Path tls = TestGateway.sharedTls();
        log = Files.createTempDirectory("portcullis-maillog").resolve("portcullis.log");
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                logging:
                  file: {path: %1$s}
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    limits: {greeting-delay: 1s, max-errors: 3}
                  - name: submission
                    flow: outbound
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                users:
                  inline:
                    - {name: joe@example.test, password-hash: "%2$s"}
                auth-throttle: {delay-per-failure: 1ms, max-delay: 1ms}
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                routes:
                  - {domains: [example.test], connector: internal}
                delivery:
                  queue-only: true
                """.formatted(log, PasswordHashes.hash(PASSWORD.toCharArray(), 4)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        LogSetup.apply(LoggingConfig.DEFAULT);
    }

    @Test
    void fail2banFindsTheAbusersAndOnlyThem() throws Exception {
        String fail2banRegex = ExternalProgram.require("fail2ban-regex", "fail2ban");
        int submission = gateway.port("submission");
        // 127.0.0.2: two wrong passwords, the second with a user name that carries a forged log line
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", submission)) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("AUTH PLAIN " + plain("", "joe@example.test", "wrong")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", "x\r\n2026-01-01 00:00:00.000 INFO  [mail] auth failure: [10.9.9.9] y",
                    "wrong")).expect("535 5.7.8");
            smtp.send("QUIT").expect("221");
        }
        // 127.0.0.3: talks before the greeting
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.3", gateway.inboundPort())) {
            smtp.send("EHLO eager.test").expect("554 5.5.0");
        }
        // 127.0.0.4: HELO (no PIPELINING), then two commands in one write
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.4", gateway.inboundPort())) {
            smtp.expect("220").send("HELO rushed.test").expect("250");
            smtp.sendRaw("MAIL FROM:<a@rushed.test>\r\nRCPT TO:<b@example.test>\r\n").expect("554 5.5.0");
        }
        // 127.0.0.5: three unknown commands, then the 421 of max-errors
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.5", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO noisy.test").expect("250 ");
            smtp.send("FOO").expect("500 5.5.1");
            smtp.send("BAR").expect("500 5.5.1");
            smtp.send("BAZ").expect("500 5.5.1");
            smtp.expect("421 4.7.0");
        }
        // 127.0.0.1: an ordinary client, which also authenticates correctly, is never matched
        try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO good.test").expect("250 ");
            smtp.sendMessage("someone@elsewhere.test", "user@example.test", "Subject: hello\r\n\r\nhi\r\n");
        }
        try (SmtpScript smtp = SmtpScript.connect(submission)) {
            smtp.expect("220").send("EHLO good.test").expect("250 ");
            smtp.send("AUTH PLAIN " + plain("", "joe@example.test", PASSWORD)).expect("235 2.7.0");
        }
        String written = awaitLog("nrcpt=1");

        assertThat(written).doesNotContain(PASSWORD).doesNotContain("wrong")
                .contains("auth failure: [127.0.0.2] user=<x\\r\\n2026-01-01")
                .contains("NOQUEUE: reject: CONNECT from [127.0.0.3]: 554 5.5.0")
                .contains("reason=pregreet").contains("reason=pipelining").contains("reason=max-errors")
                .containsPattern("connect from \\[127\\.0\\.0\\.1] listener=inbound")
                .containsPattern("[0-9A-Z]+(?:-[a-z0-9-]+)?: from=<someone@elsewhere.test>, size=\\d+, nrcpt=1 \\(queue active\\)");
        assertThat(written.lines()).noneMatch(line -> line.contains("[mail] auth failure: [10.9.9.9]")
                && !line.contains("user=<"));

        ExternalProgram.Result matched = ExternalProgram.run(Duration.ofSeconds(60), fail2banRegex, "--print-no-missed",
                "-o", "ip", log.toString(), FILTER.toString());
        assertThat(matched.exitCode()).as(matched.output()).isZero();
        List<String> ips = matched.output().lines().map(String::strip).filter(line -> line.matches("[0-9.:a-f]+")).toList();
        assertThat(ips).as(matched.output()).hasSize(5);
        assertThat(new TreeSet<>(ips)).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
        assertThat(ips.stream().filter("127.0.0.2"::equals)).hasSize(2);
        ExternalProgram.Result summary = ExternalProgram.run(Duration.ofSeconds(60), fail2banRegex, log.toString(),
                FILTER.toString());
        assertThat(summary.output()).contains("Lines: ").containsPattern("Failregex: 5 total");
    }

    private static String awaitLog(String needle) throws Exception {
        for (int i = 0; i < 200; i++) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (text.contains(needle)) {
                return text;
            }
            Thread.sleep(50);
        }
        return Files.readString(log, StandardCharsets.UTF_8);
    }

}
