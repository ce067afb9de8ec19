package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.Cidr;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every special-purpose range is not public, whatever its spelling; ordinary unicast is. */
class AddressScopeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            0.0.0.0                  | unspecified
            0.1.2.3                  | unspecified
            10.0.0.1                 | private-use
            10.255.255.255           | private-use
            100.64.0.1               | shared address space (CGNAT)
            100.127.255.254          | shared address space (CGNAT)
            127.0.0.1                | loopback
            127.255.0.9              | loopback
            169.254.169.254          | link-local
            172.16.0.1               | private-use
            172.31.255.255           | private-use
            192.0.0.8                | IETF protocol assignments
            192.0.2.10               | documentation
            192.88.99.1              | 6to4 relay anycast
            192.168.1.1              | private-use
            198.18.0.1               | benchmarking
            198.19.255.255           | benchmarking
            198.51.100.7             | documentation
            203.0.113.9              | documentation
            224.0.0.1                | multicast
            239.255.255.250          | multicast
            240.0.0.1                | reserved
            255.255.255.255          | broadcast
            ::                       | unspecified
            ::1                      | loopback
            ::ffff:127.0.0.1         | loopback
            ::ffff:10.1.2.3          | private-use
            ::ffff:0.0.0.0           | unspecified
            ::127.0.0.2              | loopback (IPv4 127.0.0.2 inside IPv6)
            64:ff9b::a00:1           | private-use (IPv4 10.0.0.1 inside IPv6)
            64:ff9b::7f00:1          | loopback (IPv4 127.0.0.1 inside IPv6)
            64:ff9b::a9fe:a9fe       | link-local (IPv4 169.254.169.254 inside IPv6)
            64:ff9b:1::a00:1         | local-use NAT64
            2002:c0a8:101::1         | private-use (IPv4 192.168.1.1 inside IPv6)
            2002:7f00:1::            | loopback (IPv4 127.0.0.1 inside IPv6)
            100::1                   | discard-only
            2001::1                  | Teredo
            2001:2::1                | benchmarking
            2001:10::1               | ORCHID
            2001:db8::25             | documentation
            3fff::1                  | documentation
            5f00::1                  | SRv6
            fc00::1                  | unique-local
            fd12:3456:789a::1        | unique-local
            fe80::1                  | link-local
            febf:ffff::1             | link-local
            fec0::1                  | site-local
            ff02::1                  | multicast
            ff05::2                  | multicast
            4000::1                  | reserved (outside 2000::/3)
            """)
    void refusesEverySpecialPurposeRange(String address, String reason) throws Exception {
        assertThat(AddressScope.nonPublic(InetAddress.getByName(address))).hasValueSatisfying(r -> assertThat(r).startsWith(reason));
    }

    @ParameterizedTest
    @CsvSource({"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.255",
            "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.254", "2a00:1450:4001:82a::1b",
            "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.4.4"})
    void acceptsPublicUnicast(String address) throws Exception {
        assertThat(AddressScope.nonPublic(InetAddress.getByName(address))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, true", "::ffff:127.0.0.1, true", "127.0.0.2, false", "64:ff9b::7f00:1, false", "::1, false"})
    void allowListMatchesTheAddressAsConnectedTo(String address, boolean allowed) throws Exception {
        assertThat(AddressScope.isAllowed(List.of(Cidr.parse("127.0.0.1/32")), InetAddress.getByName(address))).isEqualTo(allowed);
    }
}
