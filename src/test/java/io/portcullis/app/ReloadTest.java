package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Hot reload: a valid change applies to new connections without dropping sessions; an invalid one is refused. */
class ReloadTest {
    @TempDir
    Path directory;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int cli(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static String withInboundLimit(String yaml, int maxRecipients) {
        return yaml.replace("max-errors: 10", "max-recipients: " + maxRecipients);
    }

    @Test
    void validChangeAppliesToNewSessionsWithoutDroppingOldOnesAndInvalidOneIsRefused() throws Exception {
        String base = TestGateway.defaultYaml("");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), withInboundLimit(base, 1));
        Path data = directory.resolve("data");
        try (Gateway gateway = Gateway.start(ConfigLoader.load(config), data);
             SmtpScript before = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort());
             SmtpScript outboundBefore = SmtpScript.connect(gateway.listener("outbound").boundAddresses().getFirst().getPort())) {
            int inboundPort = gateway.listener("inbound").boundAddresses().getFirst().getPort();
            before.expect("220").send("EHLO client.test").expect("250 ");
            before.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            before.send("RCPT TO:<one@example.test>").expect("250 2.1.5");
            outboundBefore.expect("220").send("EHLO internal.example.test").expect("250 ");

            String next = withInboundLimit(base, 3).replace("  - name: outbound\n    bind: 127.0.0.1:0\n    relay: networks\n"
                    + "    relay-networks: [127.0.0.0/8]\n", "  - name: extra\n    flow: outbound\n    bind: 127.0.0.1:0\n");
            Files.writeString(config, next);
            assertThat(cli("check-config", "--config", config.toString(), "--data-dir", data.toString())).isZero();
            assertThat(out.toString()).contains("a reload would change: listener inbound: changed (limits)");
            assertThat(cli("reload", "--data-dir", data.toString())).isZero();
            assertThat(out.toString()).contains("reloaded: listener inbound: changed (limits)", "listener extra: added",
                    "listener outbound: removed");

            before.send("RCPT TO:<two@example.test>").expect("452 4.5.3"); // the old session keeps its old limit
            before.send("DATA").expect("354");
            before.sendRaw("Subject: still here\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            outboundBefore.sendMessage("c@example.test", "d@example.org", "Subject: old session\r\n\r\nx\r\n");
            try (SmtpScript after = SmtpScript.connect(inboundPort)) {
                after.expect("220").send("EHLO client.test").expect("250 ");
                after.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
                for (String rcpt : new String[] {"one", "two", "three"}) {
                    after.send("RCPT TO:<" + rcpt + "@example.test>").expect("250 2.1.5");
                }
            }
            try (SmtpScript extra = SmtpScript.connect(gateway.listener("extra").boundAddresses().getFirst().getPort())) {
                extra.expect("220");
            }
            int outboundPort = outboundBefore.port();
            assertThatThrownBy(() -> SmtpScript.connect(outboundPort)).isInstanceOf(IOException.class);

            Files.writeString(config, next + "colour: blue\n");
            assertThat(cli("reload", "--data-dir", data.toString())).isEqualTo(Main.CONFIG_ERROR);
            assertThat(err.toString()).contains("the old one stays", config + ":", "colour: unknown key");
            try (SmtpScript after = SmtpScript.connect(inboundPort)) {
                after.expect("220").send("EHLO client.test").expect("250 ");
                after.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
                for (String rcpt : new String[] {"one", "two", "three"}) {
                    after.send("RCPT TO:<" + rcpt + "@example.test>").expect("250 2.1.5");
                }
            }
        }
    }
}
