package io.portcullis.database;

import io.portcullis.testing.PostgresServer;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Test gateways that share one PostgreSQL, and the CLI run against them. */
final class SharedDatabaseNodes {
    private SharedDatabaseNodes() {
    }

    /** The {@code database:} section: short flush and retry intervals, so outages in tests last seconds. */
    static String databaseSection(PostgresServer postgres, String extra) {
        return """
                database:
                  url: %s
                  user: %s
                  pool-size: 2
                  flush-interval: 100ms
                  retry-interval: 500ms
                %s""".formatted(postgres.url(), PostgresServer.USER, extra.stripIndent().indent(2));
    }

    /** A node with node-id {@code node} (host name NODE.gateway.test) delivering example.test to {@code sinkPort}. */
    static TestGateway node(String node, PostgresServer postgres, int sinkPort, String extraDatabase) throws Exception {
        return node(node, postgres, sinkPort, extraDatabase, "");
    }

    /** As above, with more top-level sections ({@code admin:}...). */
    static TestGateway node(String node, PostgresServer postgres, int sinkPort, String extraDatabase, String extraYaml)
            throws Exception {
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: smarthost
                    hosts: ["127.0.0.1:%d"]
                routes:
                  - domains: [example.test]
                    connector: internal
                delivery:
                  retry: [1h]
                """.formatted(sinkPort)).replace("hostname: gateway.test", "hostname: " + node + ".gateway.test\nnode-id: " + node);
        return TestGateway.startYaml(yaml + extraYaml + databaseSection(postgres, extraDatabase));
    }

    /** The configuration file a test gateway runs with (what an admin passes to --config). */
    static Path configFile(TestGateway gateway) {
        return gateway.dataDirectory().getParent().resolve("test.yaml");
    }

    record CliRun(int exitCode, String out, String err) {
    }

    static CliRun cli(String... arguments) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(Class.forName("io.portcullis.app.Main")
                .getDeclaredConstructor().newInstance());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(arguments);
        return new CliRun(code, out.toString(), err.toString());
    }
}
