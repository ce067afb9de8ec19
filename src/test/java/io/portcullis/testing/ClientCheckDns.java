package io.portcullis.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS the client-check tests ask: dnsmasq on loopback, authoritative for {@code .test} and
 * {@code 127.in-addr.arpa} (anything not listed is NXDOMAIN), with a name space where every answer
 * a client check must tell apart has its own name. Test clients connect from 127.0.0.x
 * ({@link SmtpScript#connectFrom}); the tests' gateways use it as {@code delivery.dns-resolver}.
 *
 * <p>Reverse DNS: 127.0.0.2 good.test (resolves back); 127.0.0.3 liar.test (resolves to
 * 192.0.2.3); 127.0.0.4 no PTR; 127.0.0.5 PTR lookup REFUSED; 127.0.0.6 PTR lookup never answered;
 * 127.0.0.7 other.test (192.0.2.7) and multi.test (back to 127.0.0.7); 127.0.0.8 broken.test (its
 * A lookup REFUSED); 127.0.0.11 twelve names name1.test ... name12.test, none resolving back.
 *
 * <p>Names: resolvable.test (A), mxonly.test (MX only), mx.test (MX), aonly.test (A only),
 * txtonly.test (exists, TXT only: NODATA for MX/A/AAAA), nullmx.test (null MX, RFC 7505),
 * broken.test (every lookup REFUSED), slow.test (never answered: a query to a socket that reads
 * nothing). Every other name under .test does not exist.
 */
public final class ClientCheckDns implements AutoCloseable {
    private final DatagramSocket blackHole;
    private final Dnsmasq dns;

    private ClientCheckDns(DatagramSocket blackHole, Dnsmasq dns) {
        this.blackHole = blackHole;
        this.dns = dns;
    }

    public static ClientCheckDns start() throws IOException, InterruptedException {
        DatagramSocket blackHole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        String silent = "127.0.0.1#" + blackHole.getLocalPort();
        List<String> records = new ArrayList<>(List.of(
                "--local=/127.in-addr.arpa/",
                "--host-record=good.test,127.0.0.2",
                "--ptr-record=3.0.0.127.in-addr.arpa,liar.test", "--host-record=liar.test,192.0.2.3",
                "--server=/5.0.0.127.in-addr.arpa/#",
                "--server=/6.0.0.127.in-addr.arpa/" + silent,
                "--ptr-record=7.0.0.127.in-addr.arpa,other.test", "--ptr-record=7.0.0.127.in-addr.arpa,multi.test",
                "--host-record=other.test,192.0.2.7", "--host-record=multi.test,127.0.0.7",
                "--ptr-record=8.0.0.127.in-addr.arpa,broken.test",
                "--host-record=resolvable.test,192.0.2.10",
                "--mx-host=mxonly.test,mail.mx.test",
                "--mx-host=mx.test,mail.mx.test", "--host-record=mail.mx.test,192.0.2.25",
                "--host-record=aonly.test,192.0.2.20",
                "--txt-record=txtonly.test,no mail here",
                "--dns-rr=nullmx.test,15,000000",
                "--server=/broken.test/#",
                "--server=/slow.test/" + silent));
        for (int i = 1; i <= 12; i++) {
            records.add("--ptr-record=11.0.0.127.in-addr.arpa,name" + i + ".test");
            records.add("--host-record=name" + i + ".test,192.0.2." + (100 + i));
        }
        try {
            return new ClientCheckDns(blackHole, Dnsmasq.start(records.toArray(String[]::new)));
        } catch (IOException | InterruptedException | RuntimeException e) {
            blackHole.close();
            throw e;
        }
    }

    public int port() {
        return dns.port();
    }

    /** dnsmasq's query log. */
    public String queries() throws IOException {
        return dns.queries();
    }

    /** The YAML line under {@code delivery:} that makes a gateway ask this server. */
    public String resolverLine() {
        return "  dns-resolver: 127.0.0.1:" + port() + "\n";
    }

    @Override
    public void close() throws Exception {
        Closing.closeAll(dns, blackHole);
    }
}
