package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * SIGTERM (what {@code systemctl stop} sends) stops the gateway gracefully: no new connections,
 * sessions in progress finish within {@code shutdown-timeout}, those still open then hear
 * {@code 421 4.3.2}; the process logs each step with its counts and exits 0.
 */
class GracefulStopProcessTest {
    @TempDir
    Path directory;

    private Path config(String shutdownTimeout) throws Exception {
        return Files.writeString(directory.resolve("gateway.yaml"),
                "shutdown-timeout: " + shutdownTimeout + "\n" + TestGateway.defaultYaml(""));
    }

    private static String printed(GatewayProcess gateway) {
        return String.join("\n", gateway.output());
    }

    @Test
    void sessionInTheMiddleOfDataFinishesItsMessageAfterSigterm() throws Exception {
        Path data = directory.resolve("data");
        try (GatewayProcess gateway = GatewayProcess.start(config("60s"), data);
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.send("Subject: sent across a shutdown").send("").send("first half");

            gateway.signal("TERM");
            Eventually.await(Duration.ofSeconds(30), "the gateway logs that it stopped accepting",
                    () -> printed(gateway).contains("shutdown: stopped accepting connections; 1 sessions in progress"));
            assertThatThrownBy(() -> {
                try (Socket refused = new Socket()) {
                    refused.connect(new InetSocketAddress("127.0.0.1", gateway.inboundPort()), 5000);
                }
            }).as("a new connection during the stop").isInstanceOf(ConnectException.class);

            smtp.send("second half").send(".").expect("250 2.0.0");
            String queueId = smtp.queueId();
            smtp.send("QUIT").expect("221 2.0.0");

            assertThat(gateway.awaitExit(Duration.ofSeconds(90))).as("exit status; printed:\n" + printed(gateway)).isZero();
            assertThat(printed(gateway))
                    .contains("shutdown: every session has finished")
                    .contains("shutdown: stopping delivery;")
                    .contains("shutdown: done; left: 0 sessions closed with 421");
            // the message is either delivered to the drop folder or still queued: never lost
            try (Stream<Path> files = Stream.concat(filesUnder(data.resolve("drop/inbound")), filesUnder(data.resolve("spool/queue")))) {
                assertThat(files.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith(queueId));
            }
        }
    }

    @Test
    void sessionIdlingPastTheDeadlineGets421() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(config("2s"), directory.resolve("data"));
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@example.org>").expect("250 2.1.0");

            gateway.signal("TERM");
            smtp.expect("421 4.3.2");
            smtp.expectClosed();

            assertThat(gateway.awaitExit(Duration.ofSeconds(90))).as("exit status; printed:\n" + printed(gateway)).isZero();
            assertThat(printed(gateway))
                    .contains("shutdown: stopped accepting connections; 1 sessions in progress, waiting up to 2s")
                    .contains("shutdown: deadline reached; 1 sessions still open were told 421 4.3.2 and closed")
                    .contains("shutdown: done; left: 1 sessions closed with 421");
        }
    }

    @Test
    void environmentNamesTheConfigurationAndDataDirectory() throws Exception {
        Path data = directory.resolve("from-environment");
        Map<String, String> environment = Map.of("PORTCULLIS_CONFIG", config("30s").toString(),
                "PORTCULLIS_DATA_DIR", data.toString());
        try (GatewayProcess gateway = GatewayProcess.startWithEnvironment(environment);
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220 gateway.test "); // the file's hostname, not the embedded default's
            assertThat(data.resolve("spool")).isDirectory();
            assertThat(health("--data-dir", data.toString())).startsWith("0 ready: listener inbound up, listener outbound up");
            smtp.send("QUIT").expect("221");
            gateway.signal("TERM");
            assertThat(gateway.awaitExit(Duration.ofSeconds(90))).isZero();
        }
        assertThat(health("--data-dir", data.toString())).startsWith("1 not running");
    }

    /** {@code portcullis health ARGS}: the exit status, a space, what it printed. */
    private static String health(String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        String[] all = Stream.concat(Stream.of("health"), Stream.of(arguments)).toArray(String[]::new);
        int status = commandLine.execute(all);
        return status + " " + out.toString().strip();
    }

    private static Stream<Path> filesUnder(Path folder) throws java.io.IOException {
        return Files.isDirectory(folder) ? Files.list(folder) : Stream.empty();
    }
}
