package io.portcullis.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * This node among several equal ones: its {@code node-id} (in queue ids, Received fields, tracking
 * events, mail-log lines and the {@code node} label of every metric) and the peers whose status the
 * cluster view shows ({@code cluster.peers}). There is no cluster protocol: a peer is only an admin
 * URL asked for its status with a short timeout.
 *
 * @param nodeId      a short token of lower-case letters, digits and '-' (no '-' at either end)
 * @param peers       the other nodes (an entry naming this node is skipped, so every node can
 *                    share one list)
 * @param peerTimeout how long the cluster view waits for one peer's status before showing it down
 */
public record ClusterConfig(String nodeId, List<Peer> peers, Duration peerTimeout) {
    /** A node id: 1 to 32 characters, safe in file names, queue ids, header atoms and metric labels. */
    public static final Pattern NODE_ID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?");
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(2);

    /**
     * One other node.
     *
     * @param adminUrl its admin server ({@code http://10.0.0.2:8025}); the view asks {@code /api/status}
     * @param token    its API token, or null to use this node's own (the same {@code admin.token} on every node)
     */
    public record Peer(String nodeId, URI adminUrl, String token) {
        @Override
        public String toString() {
            return "Peer[node-id=" + nodeId + ", admin-url=" + adminUrl + ", token=" + (token == null ? "own" : "***") + "]";
        }
    }

    public ClusterConfig {
        peers = List.copyOf(peers);
    }

    /** A single node named after the host (tests and tools that build a configuration by hand). */
    public static ClusterConfig single(String nodeId) {
        return new ClusterConfig(nodeId, List.of(), DEFAULT_PEER_TIMEOUT);
    }

    /** The peers other than this node. */
    public List<Peer> otherPeers() {
        return peers.stream().filter(peer -> !peer.nodeId().equals(nodeId)).toList();
    }

    /** {@code node-id}'s default: the host name's first label made a node id ({@link #nodeIdOf}). */
    public static String defaultNodeId() {
        return nodeIdOf(hostLabel());
    }

    /**
     * A host label made a node id, so that any host starts on the embedded default: lower-cased,
     * every character other than a letter, digit or '-' made '-', cut to 32, no '-' at either end;
     * {@code node} when nothing is left.
     */
    public static String nodeIdOf(String label) {
        String id = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        id = id.substring(0, Math.min(id.length(), 32)).replaceAll("^-+|-+$", "");
        return id.isEmpty() ? "node" : id;
    }

    /** The host name's first label, lower-cased: {@code node-id}'s default. */
    public static String hostLabel() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            name = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        int dot = name.indexOf('.');
        return (dot < 0 ? name : name.substring(0, dot)).toLowerCase(Locale.ROOT);
    }

    /** {@code node-id} (top level) and {@code cluster:} ({@code peers}, {@code peer-timeout}). */
    static ClusterConfig read(YamlMap top) {
        ConfigErrors errors = top.errors();
        String nodeId;
        if (top.has("node-id")) {
            nodeId = top.string("node-id", null);
            if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
                errors.add(top.node("node-id"), top.keyPath("node-id"), "\"" + nodeId + "\" is not a node id: 1 to 32"
                        + " lower-case letters, digits and '-', not starting or ending with '-'");
                nodeId = "invalid";
            }
        } else {
            nodeId = defaultNodeId();
        }
        YamlMap cluster = top.map("cluster");
        Duration timeout = cluster.duration("peer-timeout", DEFAULT_PEER_TIMEOUT);
        if (timeout == null || timeout.toMillis() < 100 || timeout.toSeconds() > 60) {
            errors.add(cluster.node("peer-timeout"), cluster.keyPath("peer-timeout"), "must be from 100ms to 60s");
            timeout = DEFAULT_PEER_TIMEOUT;
        }
        List<Peer> peers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Node> nodes = cluster.list("peers");
        for (int i = 0; i < nodes.size(); i++) {
            YamlMap map = new YamlMap(errors, cluster.keyPath("peers") + "[" + i + "]", nodes.get(i));
            String id = map.requiredString("node-id", nodes.get(i));
            if (id != null && !NODE_ID.matcher(id).matches()) {
                errors.add(map.node("node-id"), map.keyPath("node-id"), "\"" + id + "\" is not a node id");
            } else if (id != null && !seen.add(id)) {
                errors.add(map.node("node-id"), map.keyPath("node-id"), "node \"" + id + "\" is listed twice");
            }
            String url = map.requiredString("admin-url", nodes.get(i));
            URI uri = null;
            if (url != null) {
                try {
                    uri = new URI(url);
                    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                        throw new java.net.URISyntaxException(url, "not an http(s) URL with a host");
                    }
                } catch (java.net.URISyntaxException e) {
                    errors.add(map.node("admin-url"), map.keyPath("admin-url"), "\"" + url
                            + "\" is not an admin URL such as http://10.0.0.2:8025");
                    uri = null;
                }
            }
            String token = map.string("token", null);
            String problem = token == null ? null : AdminConfig.tokenProblem(token);
            if (problem != null) {
                errors.add(map.node("token"), map.keyPath("token"), problem);
            }
            map.finish();
            if (id != null && uri != null) {
                peers.add(new Peer(id, uri, token));
            }
        }
        cluster.finish();
        return new ClusterConfig(nodeId, peers, timeout);
    }
}
