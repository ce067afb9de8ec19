package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.HaProxy;
import io.portcullis.testing.HaProxy.Frontend;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Listeners behind a real HAProxy (PROXY protocol v1 and v2, IPv4 and IPv6 clients): every per-IP
 * limit (simultaneous connections, connection rate, access rules) applies to the client the
 * header names, never to the balancer. Clients connect to HAProxy from their own loopback
 * addresses (127.0.0.2, 127.0.0.3, ..., ::1). The PROXY header itself must arrive whole within
 * its deadline and be well-formed, or the connection is closed without a greeting.
 */
class ProxiedClientLimitsTest {
    private static TestGateway gateway;
    private static HaProxy limited;
    private static HaProxy rated;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: limited
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32, "::1/128"]
                    access: {deny: [127.0.0.66/32]}
                    limits: {max-connections-per-ip: 5, proxy-header-timeout: 2s}
                  - name: rated
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.1/32]
                    rate-limits: {connections-per-minute-per-ip: 2}
                domains: [example.test]
                connectors: [{name: internal, type: drop, folder: drop/inbound}]
                routes: [{domains: ["*"], connector: internal}]
                delivery: {queue-only: true}
                """);
        limited = HaProxy.start(gateway.port("limited"), new Frontend("v1", "127.0.0.1", 1),
                new Frontend("v2", "127.0.0.1", 2), new Frontend("v6", "::1", 2));
        rated = HaProxy.start(gateway.port("rated"), new Frontend("v1", "127.0.0.1", 1));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(limited, rated, gateway);
    }

    private static SmtpScript greeted(HaProxy proxy, String frontend, String source) throws IOException {
        SmtpScript smtp = proxy.connect(frontend, source);
        smtp.expect("220 ");
        return smtp;
    }

    /** A fresh client completes a transaction; its envelope records the real client's address. */
    private static void servedCompletely(HaProxy proxy, String frontend, String source, String recorded) throws IOException {
        try (SmtpScript smtp = greeted(proxy, frontend, source)) {
            smtp.send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("a@example.org", "b@example.test", "Subject: via haproxy\r\n\r\nx\r\n");
            assertThat(gateway.envelope(id).client().address()).isEqualTo(recorded);
            smtp.send("QUIT").expect("221");
        }
    }

    private static List<SmtpScript> hold(HaProxy proxy, String frontend, String source, int count) throws IOException {
        List<SmtpScript> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            held.add(greeted(proxy, frontend, source));
        }
        return held;
    }

    private static void release(List<SmtpScript> held) throws Exception {
        Closing.closeAll(held.toArray(AutoCloseable[]::new));
    }

    @Test
    void fiveProxiedClientsDoNotCrowdOutASixth() throws Exception {
        List<SmtpScript> held = new ArrayList<>();
        try {
            for (int i = 2; i <= 6; i++) {
                held.addAll(hold(limited, "v1", "127.0.0." + i, 1));
            }
            servedCompletely(limited, "v1", "127.0.0.7", "127.0.0.7");
        } finally {
            release(held);
        }
    }

    @Test
    void theConnectionLimitCountsEachRealClientOverProxyV2() throws Exception {
        List<SmtpScript> held = hold(limited, "v2", "127.0.0.8", 5);
        try {
            try (SmtpScript sixth = limited.connect("v2", "127.0.0.8")) {
                sixth.expect("421 4.7.0");
                sixth.expectClosed();
            }
            servedCompletely(limited, "v2", "127.0.0.9", "127.0.0.9");
        } finally {
            release(held);
        }
        servedCompletely(limited, "v2", "127.0.0.8", "127.0.0.8");
    }

    @Test
    void ipv6ClientsAreCountedAsThemselves() throws Exception {
        List<SmtpScript> held = hold(limited, "v6", "::1", 5);
        try {
            try (SmtpScript sixth = limited.connect("v6", "::1")) {
                sixth.expect("421 4.7.0");
                sixth.expectClosed();
            }
            servedCompletely(limited, "v2", "127.0.0.10", "127.0.0.10");
        } finally {
            release(held);
        }
        servedCompletely(limited, "v6", "::1", "0:0:0:0:0:0:0:1");
    }

    @Test
    void theConnectionRateCountsTheRealClient() throws Exception {
        for (int i = 0; i < 2; i++) {
            try (SmtpScript smtp = greeted(rated, "v1", "127.0.0.12")) {
                smtp.send("QUIT").expect("221");
            }
        }
        try (SmtpScript third = rated.connect("v1", "127.0.0.12")) {
            third.expect("421 4.7.0");
            third.expectClosed();
        }
        servedCompletely(rated, "v1", "127.0.0.13", "127.0.0.13");
    }

    @Test
    void accessRulesSeeTheRealClient() throws Exception {
        try (SmtpScript denied = limited.connect("v1", "127.0.0.66")) {
            denied.expect("554 5.7.1");
            denied.expectClosed();
        }
        servedCompletely(limited, "v1", "127.0.0.67", "127.0.0.67");
    }

    /**
     * A "proxy" that sends its header one octet at a time (0.5 s apart, which no per-read timeout
     * catches) is cut off at the header's deadline (2 s here), long before it could finish.
     */
    @Test
    void aTrickledHeaderIsCutOffAtItsDeadline() throws Exception {
        byte[] header = "PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", gateway.port("limited"))) {
            socket.setSoTimeout(500);
            InputStream in = socket.getInputStream();
            boolean closed = false;
            for (int i = 0; i < header.length && !closed; i++) {
                try {
                    socket.getOutputStream().write(header[i]);
                    closed = in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing said yet: trickle on
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).as("closed before the trickled header (%d octets, 0.5 s each) was complete", header.length)
                    .isTrue();
        }
        servedCompletely(limited, "v1", "127.0.0.14", "127.0.0.14");
    }

    static Stream<Arguments> malformedHeaders() {
        HexFormat hex = HexFormat.of();
        String v2 = "0d0a0d0a000d0a515549540a";
        return Stream.of(
                Arguments.of("v1 port not a number", "PROXY TCP4 198.51.100.7 127.0.0.1 4x000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 port with a sign", "PROXY TCP4 198.51.100.7 127.0.0.1 +4000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 port too large", "PROXY TCP4 198.51.100.7 127.0.0.1 99999 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 octet above 255", "PROXY TCP4 198.51.100.777 127.0.0.1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 IPv6 under TCP4", "PROXY TCP4 2001:db8::1 127.0.0.1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 IPv4 under TCP6", "PROXY TCP6 198.51.100.7 ::1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 a host name", "PROXY TCP4 localhost 127.0.0.1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 missing field", "PROXY TCP4 198.51.100.7 127.0.0.1 4000\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 bare LF", "PROXY TCP4 198.51.100.7 127.0.0.1 4000 25\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v1 overlong", ("PROXY TCP4 198.51.100.7 127.0.0.1 4000 25" + " ".repeat(100) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("v2 version 3", hex.parseHex(v2 + "31" + "11" + "000c" + "c6336407" + "7f000001" + "9c40" + "0019")),
                Arguments.of("v2 command 15", hex.parseHex(v2 + "2f" + "11" + "000c" + "c6336407" + "7f000001" + "9c40" + "0019")),
                Arguments.of("v2 UDP over IPv4", hex.parseHex(v2 + "21" + "12" + "000c" + "c6336407" + "7f000001" + "9c40" + "0019")),
                Arguments.of("v2 unknown family", hex.parseHex(v2 + "21" + "55" + "000c" + "c6336407" + "7f000001" + "9c40" + "0019")),
                Arguments.of("v2 short IPv4 block", hex.parseHex(v2 + "21" + "11" + "0008" + "c6336407" + "7f000001")),
                Arguments.of("v2 block too long", hex.parseHex(v2 + "21" + "11" + "ffff" + "c6336407" + "7f000001" + "9c40" + "0019")),
                Arguments.of("neither v1 nor v2", "EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeaders")
    void malformedHeadersAreClosedWithoutAGreeting(String what, byte[] header) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.port("limited"))) {
            socket.setSoTimeout(10_000);
            try {
                socket.getOutputStream().write(header);
                socket.getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException closedWhileWriting) {
                // the server may refuse a bad header before the client has finished sending: a close too
            }
            ByteArrayOutputStream heard = new ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(heard);
            } catch (SocketTimeoutException e) {
                throw new AssertionError(what + ": the connection stayed open", e);
            } catch (IOException reset) {
                // a reset is a close too
            }
            assertThat(heard.toString(StandardCharsets.US_ASCII)).as(what).isEmpty();
        }
        servedCompletely(limited, "v1", "127.0.0.15", "127.0.0.15");
    }
}
