package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the helo check counts as ours: the gateway's and listeners' hostnames and our domains in
 * canonical form, the listeners' bound addresses, every interface address behind a wildcard bind,
 * and loopback always.
 */
class OurIdentityTest {
    @TempDir
    Path directory;

    @Test
    void namesAndBoundAddresses() throws Exception {
        OurIdentity identity = OurIdentity.of(ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), """
                hostname: MX.Example.TEST
                listeners:
                  - {name: in, bind: 192.0.2.25:25}
                  - {name: out, bind: "[2001:db8::25]:587", hostname: submit.example.test}
                domains: [example.test, bücher.example]
                """)));
        assertThat(identity.names()).containsExactlyInAnyOrder("mx.example.test", "submit.example.test", "example.test",
                "xn--bcher-kva.example");
        assertThat(identity.isOurAddress(InetAddress.getByName("192.0.2.25"))).isTrue();
        assertThat(identity.isOurAddress(InetAddress.getByName("2001:db8::25"))).isTrue();
        assertThat(identity.isOurAddress(InetAddress.getByName("127.0.0.9"))).isTrue();
        assertThat(identity.isOurAddress(InetAddress.getByName("192.0.2.26"))).isFalse();
    }

    @Test
    void wildcardBindStandsForEveryInterfaceAddress() throws Exception {
        OurIdentity identity = OurIdentity.of(ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), """
                listeners:
                  - {name: in, bind: "*:2525"}
                """)));
        List<InetAddress> local = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).toList();
        assertThat(local).isNotEmpty().allSatisfy(address -> assertThat(identity.isOurAddress(address)).isTrue());
        assertThat(identity.isOurAddress(InetAddress.getByName("192.0.2.26"))).isFalse();
    }
}
