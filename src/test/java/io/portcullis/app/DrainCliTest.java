package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/**
 * {@code portcullis drain} on one node whose next hop is down: the listeners refuse connections
 * (no greeting, no 421: the kernel refuses), health says draining, the command gives up at
 * {@code --timeout} with exit 1 and what is left; {@code undrain} accepts again on the same port.
 */
class DrainCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CliAccess.run(java.util.List.of(args), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void drainGivesUpAtItsTimeoutWhileMailCannotLeaveAndUndrainAcceptsAgain() throws Exception {
        try (TestGateway node = TestGateway.startYaml("node-id: solo\n" + TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - {name: internal, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                routes:
                  - {domains: ["*"], connector: internal}
                delivery:
                  retry: [1h]
                """.formatted(SmtpSink.freePort())))) {
            int port = node.inboundPort();
            try (SmtpScript smtp = node.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: stuck\r\n\r\nx\r\n");
            }
            String data = node.dataDirectory().toString();
            assertThat(run("drain", "--data-dir", data, "--timeout", "1s")).as(err.toString()).isEqualTo(1);
            assertThat(out.toString()).contains("draining node solo: listeners closed, 1 messages queued")
                    .contains("not drained after 1s: 1 messages still queued");
            assertThat(node.gateway().health().draining()).isTrue();
            assertThat(node.gateway().health().ready()).isFalse();
            assertThatThrownBy(() -> SmtpScript.connect(port)).isInstanceOf(ConnectException.class);
            assertThat(run("drain", "--data-dir", data, "--timeout", "soon")).isEqualTo(Main.CONFIG_ERROR);

            assertThat(run("undrain", "--data-dir", data)).isZero();
            assertThat(out.toString()).contains("node solo accepts again; 1 messages queued");
            assertThat(node.gateway().health().ready()).isTrue();
            try (SmtpScript smtp = SmtpScript.connect(port)) { // the same port as before
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                assertThat(smtp.sendMessage("a@example.org", "b@example.test", "Subject: again\r\n\r\nx\r\n")).endsWith("-solo");
            }
        }
        assertThat(run("drain", "--data-dir", "/nonexistent/portcullis")).isEqualTo(1);
        assertThat(err.toString()).contains("no gateway is running");
    }
}
