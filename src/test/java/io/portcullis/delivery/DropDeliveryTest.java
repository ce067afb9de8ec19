package io.portcullis.delivery;

import java.util.stream.Stream;
import java.util.Optional;
import java.time.Duration;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedded default's routing: drop folders standing in for the internal server and the Internet. */
class DropDeliveryTest {
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        String yaml = TestGateway.defaultYaml("").replace("queue-only: true", "queue-only: false");
        gateway = TestGateway.startYaml(yaml);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private Path awaitFile(Path file) throws Exception {
        Eventually.await(Duration.ofSeconds(10), file + " exists", () -> Files.exists(file));
        return file;
    }

    @Test
    void inboundMailForTheLocalDomainLandsInTheDropFolderByteForByte() throws Exception {
        String content = "From: a@example.org\r\nTo: b@example.test\r\nSubject: drop\r\n\r\n..dotted\r\nbody\r\n";
        String id;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            id = smtp.sendMessage("a@example.org", "b@example.test", content + "");
        }
        Path eml = awaitFile(gateway.dataDirectory().resolve("drop/inbound/" + id + ".eml"));
        String delivered = Files.readString(eml, StandardCharsets.UTF_8);
        assertThat(delivered).startsWith("Received: from client.test").endsWith(content.replace("..dotted", ".dotted"));
        assertThat(Files.readString(gateway.dataDirectory().resolve("drop/inbound/" + id + ".json")))
                .contains("\"b@example.test\"", "\"flow\" : \"inbound\"");
        assertThat(gateway.awaitEmptyQueue(10)).isTrue();
    }

    @Test
    void outboundMailGoesToTheInternetConnectorAndInboundMayNotRelay() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            String id = smtp.sendMessage("a@example.test", "someone@example.org", "Subject: out\r\n\r\nx\r\n");
            awaitFile(gateway.dataDirectory().resolve("drop/outbound/" + id + ".eml"));
        }
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<someone@example.org>").expect("554 5.7.1");
            smtp.send("RCPT TO:<someone@[127.0.0.1]>").expect("554 5.7.1");
        }
    }

    @Test
    void notifySuccessGetsADeliveredReportFromTheNullSender() throws Exception {
        String id;
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@example.test> ENVID=env-42").expect("250 2.1.0");
            smtp.send("RCPT TO:<friend@example.org> NOTIFY=SUCCESS,FAILURE").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: please confirm\r\n\r\nx\r\n.\r\n").expect("250 2.0.0 OK queued as");
            id = smtp.queueId();
        }
        awaitFile(gateway.dataDirectory().resolve("drop/outbound/" + id + ".eml"));
        Path inbound = gateway.dataDirectory().resolve("drop/inbound");
        Path report = Eventually.value(Duration.ofSeconds(10), "a DSN in " + inbound, () -> {
            if (!Files.exists(inbound)) {
                return Optional.<Path>empty();
            }
            try (Stream<Path> files = Files.list(inbound)) {
                return files.filter(p -> p.toString().endsWith(".eml")).findFirst();
            }
        }, Optional::isPresent).orElseThrow();
        String dsn = Files.readString(report, StandardCharsets.UTF_8);
        assertThat(dsn).contains("Content-Type: multipart/report; report-type=delivery-status",
                "Original-Envelope-Id: env-42", "Final-Recipient: rfc822; friend@example.org", "Action: delivered",
                "Status: 2.0.0", "Subject: please confirm");
        String envelope = Files.readString(Path.of(report.toString().replace(".eml", ".json")));
        assertThat(envelope).contains("\"sender\" : \"\"", "\"flow\" : \"local\"", "\"sender@example.test\"");
    }
}
