package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of file descriptors: the gateway runs as a separate JVM whose descriptor limit is lowered
 * (prlimit) to a few more than it uses when idle; the test then opens more connections than it
 * can accept. accept() fails with EMFILE for as long as they stay open. The listener must back off
 * instead of spinning (which printed 160,000 log lines in 3 s), and serve again once descriptors
 * are free.
 */
class AcceptBackoffTest {
    @TempDir
    Path directory;

    @Test
    void runningOutOfDescriptorsNeitherSpinsNorFloodsTheLogAndServiceResumes() throws Exception {
        String prlimit = ExternalProgram.require("prlimit", "util-linux");
        Path config = Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml(""));
        try (GatewayProcess gateway = GatewayProcess.start(config, directory.resolve("data"))) {
            try (SmtpScript warmUp = SmtpScript.connect(gateway.inboundPort())) {
                warmUp.expect("220").send("QUIT").expect("221"); // the session code is loaded and its files open
            }
            long limit = openDescriptors(gateway.pid()) + 20;
            ExternalProgram.Result lowered = ExternalProgram.run(Duration.ofSeconds(30), prlimit, "--pid",
                    String.valueOf(gateway.pid()), "--nofile=" + limit + ":" + limit);
            assertThat(lowered.exitCode()).as(lowered.output()).isZero();

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) { // the kernel completes them all into the listen backlog
                    Socket socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", gateway.inboundPort()), 5000);
                    flood.add(socket);
                }
                Thread.sleep(1000); // the gateway reaches its limit and accept() starts failing
                long before = gateway.linesPrinted();
                Thread.sleep(3000);
                long printed = gateway.linesPrinted() - before;
                assertThat(printed).as("lines printed in 3 s while accept() failed:\n%s",
                        String.join("\n", gateway.drainOutput().stream().limit(20).toList())).isLessThan(20);
                assertThat(openDescriptors(gateway.pid())).isGreaterThanOrEqualTo(limit - 5); // it really ran out
            } finally {
                for (Socket socket : flood) {
                    socket.close();
                }
            }

            try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: after the flood\r\n\r\nx\r\n");
                smtp.send("QUIT").expect("221");
            }
        }
    }

    private static long openDescriptors(long pid) throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return descriptors.count();
        }
    }
}
