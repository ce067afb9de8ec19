package io.portcullis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** SmtpSink.start: the sink it returns is really the one listening on its port. */
class SmtpSinkStartTest {
    @Test
    void aPortAnotherProcessHoldsIsNotMistakenForTheSink() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> SmtpSink.start(squatter.getLocalPort()).close())
                    .isInstanceOf(IOException.class).hasMessageContaining(String.valueOf(squatter.getLocalPort()));
        }
    }

    @Test
    void aFreePortGivesAWorkingSink() throws Exception {
        try (SmtpSink sink = SmtpSink.start(0); SmtpScript client = SmtpScript.connect(sink.port())) {
            client.expect("220");
            client.send("QUIT").expect("221");
        }
    }
}
