package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.observe.MailLog;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSearch;
import io.portcullis.spool.QueueId;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Two nodes in one JVM, {@code node-id: alpha} and {@code beta}: each names itself in its queue ids
 * (and so in the Received field's id clause), its tracking events, its mail-log lines and the
 * {@code node} label of its metrics, so ids and figures of several nodes never blur.
 */
class NodeIdentityTest {
    private static final ListAppender<ILoggingEvent> mailLog = new ListAppender<>();
    private static TestGateway alpha;
    private static TestGateway beta;

    @BeforeAll
    static void start() throws Exception {
        mailLog.start();
        ((Logger) LoggerFactory.getLogger(MailLog.LOGGER)).addAppender(mailLog);
        alpha = TestGateway.startYaml("node-id: alpha\n" + TestGateway.defaultYaml(""));
        beta = TestGateway.startYaml("node-id: beta\n" + TestGateway.defaultYaml(""));
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(MailLog.LOGGER)).detachAppender(mailLog);
        alpha.close();
        beta.close();
    }

    private static String send(TestGateway node) throws Exception {
        try (SmtpScript smtp = node.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendMessage("a@example.org", "b@example.test", "Subject: hello\r\n\r\nhi\r\n");
            return smtp.queueId();
        }
    }

    @Test
    void queueIdsEndInTheNodeIdAndNeverCollide() throws Exception {
        String a = send(alpha);
        String b = send(beta);
        assertThat(a).matches("[0-9A-Z]{12}-alpha");
        assertThat(b).matches("[0-9A-Z]{12}-beta");
        assertThat(QueueId.isValid(a)).isTrue();
        assertThat(QueueId.node(a)).isEqualTo("alpha");
        assertThat(alpha.queued()).contains(a).doesNotContain(b);
        assertThat(alpha.dataDirectory().resolve("spool/queue/" + a + ".msg")).exists();
        assertThat(alpha.envelope(a).queueId()).isEqualTo(a);
        // the Received field's id clause (RFC 5321 4.4: "id" Atom) names the node
        String stored = new String(alpha.message(a), StandardCharsets.UTF_8);
        assertThat(stored).startsWith("Received: from client.test ([127.0.0.1])\r\n\tby gateway.test (Portcullis) with ESMTP id "
                + a + "\r\n\tfor <b@example.test>; ");
    }

    @Test
    void oldIdsStayValidAndForeignShapesDoNot() {
        assertThat(QueueId.isValid(QueueId.next())).isTrue();
        assertThat(QueueId.node(QueueId.next())).isNull();
        assertThat(QueueId.isValid("0J5Z8Q1M2K3P")).isTrue();
        for (String bad : List.of("0J5Z8Q1M2K3P-", "0J5Z8Q1M2K3P-MX1", "0J5Z8Q1M2K3P-mx1/..", "0J5Z8Q1M2K3P.mx1",
                "0J5Z8Q1M2K3Pmx1", "0j5z8q1m2k3p-mx1", "0J5Z8Q1M2K3P--mx1", "../J5Z8Q1M2K3P-mx1")) {
            assertThat(QueueId.isValid(bad)).as(bad).isFalse();
        }
    }

    @Test
    void trackingEventsMailLogAndMetricsNameTheNode() throws Exception {
        String id = send(alpha);
        alpha.gateway().telemetry().flushTracking();
        Instant now = Instant.now();
        TrackingSearch.Result found = TrackingSearch.search(alpha.dataDirectory().resolve("tracking"),
                new TrackingSearch.Criteria(null, null, null, id, null, null, now.minus(Duration.ofHours(1)), now.plusSeconds(1)));
        assertThat(found.timelines().get(id)).extracting(TrackingEvent::event).contains("RECEIVE", "QUEUE");
        assertThat(found.timelines().get(id)).extracting(TrackingEvent::node).containsOnly("alpha");
        List<String> lines = mailLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anyMatch(line -> line.startsWith(id + ": from=<a@example.org>"));
        assertThat(lines).anyMatch(line -> line.matches("connect from \\[127\\.0\\.0\\.1] listener=inbound node=alpha"));
        assertThat(lines).anyMatch(line -> line.matches("connect from \\[127\\.0\\.0\\.1] listener=inbound node=beta"));
        assertThat(alpha.rawMetrics())
                .contains("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\",node=\"alpha\"}")
                .contains("portcullis_spool_free_bytes{node=\"alpha\"}")
                .containsPattern("jvm_threads_live_threads\\{node=\"alpha\"}")
                .doesNotContain("node=\"beta\"");
        assertThat(beta.rawMetrics()).contains("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\",node=\"beta\"}");
        assertThat(alpha.metrics()).contains("portcullis_messages_received_total{flow=\"inbound\",listener=\"inbound\"}")
                .doesNotContain("node=");
    }
}
