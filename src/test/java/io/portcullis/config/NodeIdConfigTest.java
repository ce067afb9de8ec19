package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code node-id} and {@code cluster:}: defaults, and errors naming file, line and key. */
class NodeIdConfigTest {
    @TempDir
    Path directory;

    private GatewayConfig load(String head) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), head + """
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                """));
    }

    @Test
    void defaultsToTheHostNamesFirstLabel() throws Exception {
        GatewayConfig config = load("hostname: gw.example.test\n");
        assertThat(config.nodeId()).isEqualTo(ClusterConfig.nodeIdOf(ClusterConfig.hostLabel())).matches(ClusterConfig.NODE_ID);
        assertThat(config.cluster().peers()).isEmpty();
        assertThat(config.cluster().peerTimeout()).isEqualTo(ClusterConfig.DEFAULT_PEER_TIMEOUT);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "mx1, mx1", "MX-1, mx-1", "build_host_7, build-host-7", "-odd-, odd", "___, node", "'', node",
            "a-very-long-host-label-of-forty-characters-x, a-very-long-host-label-of-forty",
    })
    void anyHostLabelGivesAValidDefault(String label, String id) {
        assertThat(ClusterConfig.nodeIdOf(label)).isEqualTo(id).matches(ClusterConfig.NODE_ID);
    }

    @Test
    void takesTheConfiguredIdAndPeers() throws Exception {
        GatewayConfig config = load("""
                node-id: mx-2
                cluster:
                  peer-timeout: 500ms
                  peers:
                    - {node-id: mx-1, admin-url: "http://10.0.0.1:8025"}
                    - {node-id: mx-2, admin-url: "http://10.0.0.2:8025", token: 0123456789abcdef0123}
                """);
        assertThat(config.nodeId()).isEqualTo("mx-2");
        assertThat(config.cluster().otherPeers()).extracting(ClusterConfig.Peer::nodeId).containsExactly("mx-1");
        assertThat(config.cluster().peers().get(1).toString()).doesNotContain("0123456789abcdef0123");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MX1", "mx_1", "-mx1", "mx1-", "mx.1", "\"\"", "a23456789012345678901234567890123"})
    void refusesANodeIdThatIsNoShortLowerCaseToken(String value) {
        assertThatThrownBy(() -> load("hostname: gw.example.test\nnode-id: " + value + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("p.yaml:2: node-id: ").hasMessageContaining("is not a node id");
    }

    @Test
    void namesTheKeyOfABadPeer() {
        assertThatThrownBy(() -> load("""
                cluster:
                  peers:
                    - {node-id: mx1, admin-url: "ftp://10.0.0.1"}
                    - {node-id: mx1, admin-url: "http://10.0.0.2:8025"}
                    - {admin-url: "http://10.0.0.3:8025", tokn: x}
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("p.yaml:3: cluster.peers[0].admin-url: \"ftp://10.0.0.1\" is not an admin URL")
                .hasMessageContaining("p.yaml:4: cluster.peers[1].node-id: node \"mx1\" is listed twice")
                .hasMessageContaining("cluster.peers[2].node-id: required key is missing")
                .hasMessageContaining("cluster.peers[2].tokn");
    }
}
