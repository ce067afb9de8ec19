package io.portcullis.policy;

import static io.portcullis.policy.DnsListGateways.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Domain block lists (type dbl) on the sender's domain and the HELO name, zones served by a real dnsmasq. */
class DomainBlockListTest {
    private static final String INBOUND = "flow=\"inbound\",listener=\"inbound\"";
    private static final String MESSAGE = "Subject: hi\r\n\r\nhi\r\n";

    private static Dnsmasq dns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = Dnsmasq.start(
                "--host-record=spammer.example.dbl.test,127.0.1.2,300",
                "--host-record=xn--bcher-kva.example.dbl.test,127.0.1.2,300",
                "--host-record=bad.example.dbl.test,127.0.1.2,300",
                "--host-record=nuisance.example.dbl.test,127.0.1.255,300");
    }

    @AfterAll
    static void stopDns() throws Exception {
        dns.close();
    }

    @Test
    void listedSenderDomainIsRefusedAtMailInEverySpelling() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: dbl
                  type: dbl
                  zones: ["dbl.test=127.0.1.[2..99]*3"]
                """, """
                phases:
                  mail: [dbl]
                """); SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.example").expect("250");
            smtp.send("MAIL FROM:<a@spammer.example>").expect("550 5.7.1 Sender address rejected: domain listed by dbl.test");
            smtp.send("MAIL FROM:<a@SPAMMER.Example>").expect("550 5.7.1 Sender address rejected: domain listed by dbl.test");
            smtp.send("MAIL FROM:<a@bücher.example> SMTPUTF8")
                    .expect("550 5.7.1 Sender address rejected: domain listed by dbl.test");
            // outside the filter: 127.0.1.255 is no listing of this entry
            smtp.send("MAIL FROM:<a@nuisance.example>").expect("250 2.1.0");
            smtp.send("RSET").expect("250");
            String first = smtp.sendMessage("a@clean.example", "user@example.test", MESSAGE);
            String nullSender = smtp.sendMessage("", "user@example.test", MESSAGE);
            String literal = smtp.sendMessage("a@[127.0.0.1]", "user@example.test", MESSAGE);
            assertThat(gateway.queued()).containsExactlyInAnyOrder(first, nullSender, literal);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"dbl\"," + INBOUND
                    + ",phase=\"mail\",result=\"reject\"}")).isEqualTo(3.0);
            assertThat(dns.queries()).contains("query[A] xn--bcher-kva.example.dbl.test from")
                    .doesNotContain("127.0.0.1].dbl.test");
        }
    }

    @Test
    void listedHeloNameIsRefusedAtHelo() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: helo-dbl
                  type: dbl
                  zones: ["dbl.test*3"]
                """, """
                phases:
                  helo: [helo-dbl]
                """); SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO bad.example").expect("550 5.7.1 Helo command rejected: host name listed by dbl.test");
            smtp.send("EHLO [127.0.0.1]").expect("250");
            smtp.send("EHLO good.example").expect("250");
            String id = smtp.sendMessage("a@clean.example", "user@example.test", MESSAGE);
            assertThat(gateway.queued()).containsExactly(id);
        }
    }

    @Test
    void heloNameIsCheckedAtMailWithCheckHelo() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: dbl
                  type: dbl
                  zones: ["dbl.test*3"]
                  check-helo: true
                """, """
                phases:
                  mail: [dbl]
                """)) {
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO bad.example").expect("250");
                smtp.send("MAIL FROM:<a@clean.example>").expect("550 5.7.1 Helo command rejected: host name listed by dbl.test");
                smtp.send("MAIL FROM:<a@spammer.example>").expect("550 5.7.1 Sender address rejected: domain listed by dbl.test");
            }
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO good.example").expect("250");
                smtp.sendMessage("a@clean.example", "user@example.test", MESSAGE);
            }
            assertThat(gateway.queued()).hasSize(1);
        }
    }
}
