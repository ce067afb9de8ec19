package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import io.portcullis.delivery.tls.StsPolicy;
import io.portcullis.delivery.tls.StsPolicyText;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Publishing our own MTA-STS and TLS reporting: the admin server answers
 * {@code /.well-known/mta-sts.txt} without the token, with the configured policy as text/plain;
 * {@code portcullis tls-records} prints the {@code _mta-sts} TXT (id from the policy's content),
 * the {@code _smtp._tls} TXT and a TLSA 3 1 1 record that openssl computes the same from the
 * inbound listener's certificate; {@code portcullis tls-reports send} asks the running gateway.
 */
class MtaStsPublishingTest {
    private static final String POLICY_YAML = """
            mta-sts:
              policy:
                mode: enforce
                mx: [gateway.test, "*.mx.example.test"]
                max-age: 1d
            tls-reports:
              rua: [mailto:tlsrpt@example.test, https://reports.example.test/v1]
            admin:
              bind: 127.0.0.1:0
            """;
    private static Path directory;
    private static Path configFile;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        directory = Files.createTempDirectory("mta-sts-publishing");
        configFile = Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml("") + POLICY_YAML);
        gateway = Gateway.start(ConfigLoader.load(configFile), directory.resolve("data"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static HttpResponse<String> get(String method) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                            + "/.well-known/mta-sts.txt")).method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void theAdminServerServesThePolicyWithoutTheToken() throws Exception {
        HttpResponse<String> response = get("GET");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(response.body()).isEqualTo(
                "version: STSv1\r\nmode: enforce\r\nmx: gateway.test\r\nmx: *.mx.example.test\r\nmax_age: 86400\r\n");
        assertThat(StsPolicyText.parse(response.body(), "x", Instant.now())).isInstanceOfSatisfying(StsPolicyText.Valid.class,
                valid -> assertThat(valid.policy().mode()).isEqualTo(StsPolicy.Mode.ENFORCE));
        assertThat(get("DELETE").statusCode()).isEqualTo(405);
        assertThat(get("POST").statusCode()).isEqualTo(405);
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void tlsRecordsPrintsTheRecordsToPublish() throws Exception {
        String[] result = run("tls-records", "--config", configFile.toString(), "--data-dir", directory.resolve("data").toString());
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        String policy = "version: STSv1\r\nmode: enforce\r\nmx: gateway.test\r\nmx: *.mx.example.test\r\nmax_age: 86400\r\n";
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(policy.getBytes(StandardCharsets.US_ASCII)))
                .substring(0, 32);
        Path certificate = TestGateway.sharedTls().resolve("certificate.pem");
        ExternalProgram.require("openssl", "openssl");
        ExternalProgram.Result spki = ExternalProgram.run(Duration.ofSeconds(30), "sh", "-c",
                "openssl x509 -in '" + certificate + "' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r");
        String digest = spki.output().strip().split(" ")[0];
        assertThat(digest).matches("[0-9a-f]{64}");
        assertThat(result[1]).contains(
                "_mta-sts.example.test. IN TXT \"v=STSv1; id=" + id + "\"",
                "_smtp._tls.example.test. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.test,https://reports.example.test/v1\"",
                "_25._tcp.gateway.test. IN TLSA 3 1 1 " + digest);
    }

    @Test
    void thePolicyIdChangesWithThePolicy() throws Exception {
        Path other = Files.writeString(directory.resolve("other.yaml"),
                TestGateway.defaultYaml("") + POLICY_YAML.replace("mode: enforce", "mode: testing"));
        String first = run("tls-records", "--config", configFile.toString(), "--data-dir", directory.toString())[1];
        String second = run("tls-records", "--config", other.toString(), "--data-dir", directory.toString())[1];
        String again = run("tls-records", "--config", configFile.toString(), "--data-dir", directory.toString())[1];
        assertThat(idOf(first)).isNotEqualTo(idOf(second)).isEqualTo(idOf(again));
    }

    private static String idOf(String output) {
        return output.lines().filter(line -> line.startsWith("_mta-sts.")).findFirst().orElseThrow();
    }

    @Test
    void tlsReportsSendAsksTheRunningGateway() {
        String[] result = run("tls-reports", "send", "--data-dir", directory.resolve("data").toString());
        assertThat(result[0]).as(result[2]).isEqualTo("0");
        assertThat(result[1]).contains("nothing to report");
        String[] none = run("tls-reports", "send", "--data-dir", directory.resolve("nothing-here").toString());
        assertThat(none[0]).isEqualTo("1");
        assertThat(none[2]).contains("no gateway is running");
    }
}
