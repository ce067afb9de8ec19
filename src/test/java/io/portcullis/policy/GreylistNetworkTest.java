package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.PhaseCheckConfig;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client network of a triplet: the address masked to the configured prefix (IPv4 /24, IPv6 /64 by default). */
class GreylistNetworkTest {

    @ParameterizedTest(name = "{0} /{1} /{2} -> {3}")
    @CsvSource(textBlock = """
            192.0.2.77,             24, 64,  192.0.2.0/24
            192.0.2.77,             32, 64,  192.0.2.77/32
            192.0.2.77,             16, 64,  192.0.0.0/16
            192.0.2.77,             20, 64,  192.0.0.0/20
            2001:db8:1:2:3:4:5:6,   24, 64,  2001:db8:1:2:0:0:0:0/64
            2001:db8:1:2:3:4:5:6,   24, 48,  2001:db8:1:0:0:0:0:0/48
            2001:db8:1:2ff:3:4:5:6, 24, 56,  2001:db8:1:200:0:0:0:0/56
            ::ffff:192.0.2.77,      24, 64,  192.0.2.0/24
            """)
    void networkOfTheClient(String address, int ipv4Prefix, int ipv6Prefix, String network) throws Exception {
        PhaseCheckConfig.Greylist config = new PhaseCheckConfig.Greylist("greylist", Duration.ofMinutes(5),
                Duration.ofHours(24), Duration.ofDays(36), 5, 1000, ipv4Prefix, ipv6Prefix, false);
        GreylistCheck check = new GreylistCheck(config, null, Clock.systemUTC(), null);
        assertThat(check.network(InetAddress.getByName(address))).isEqualTo(network);
    }
}
