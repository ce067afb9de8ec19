package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@code portcullis undrain} while another program took one listener's port during the drain: the
 * command fails naming the port, and the node stays drained as a whole (no listener accepts while
 * health still says draining, so a load balancer and the node agree); once the port is free again,
 * undrain accepts on every listener.
 */
class UndrainPortTakenTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return CliAccess.run(java.util.List.of(args), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void undrainIsAllOrNothing() throws Exception {
        try (TestGateway node = TestGateway.startYaml("node-id: pair\n" + TestGateway.defaultYaml(""))) {
            String data = node.dataDirectory().toString();
            int first = node.port("inbound");
            int second = node.port("outbound");
            assertThat(run("drain", "--data-dir", data, "--timeout", "0s")).as(err.toString()).isZero();
            try (ServerSocket squatter = new ServerSocket(second, 50, InetAddress.getByName("127.0.0.1"))) {
                assertThat(run("undrain", "--data-dir", data)).isEqualTo(1);
                assertThat(err.toString()).contains(":" + second);
                assertThat(node.gateway().isDraining()).isTrue();
                assertThat(node.gateway().health().ready()).isFalse();
                assertThatThrownBy(() -> new Socket("127.0.0.1", first).close())
                        .as("the first listener stays drained with the second").isInstanceOf(ConnectException.class);
            }
            assertThat(run("undrain", "--data-dir", data)).as(err.toString()).isZero();
            assertThat(node.gateway().health().ready()).isTrue();
            for (int port : new int[] {first, second}) {
                try (SmtpScript smtp = SmtpScript.connect(port)) {
                    smtp.expect("220").send("EHLO client.test").expect("250 ");
                    smtp.sendMessage("a@example.org", "b@example.test", "Subject: after undrain\r\n\r\nx\r\n");
                }
            }
            assertThat(node.queued()).hasSize(2);
        }
    }
}
