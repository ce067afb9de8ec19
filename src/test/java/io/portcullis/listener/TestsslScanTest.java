package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * testssl.sh, as an admin would run it before exposing the MX, against the inbound listener of
 * the embedded default (on an ephemeral port). One scan for the whole class: a scan takes minutes
 * on two cores. The outbound listener has the very same {@code tls:} settings, so the same
 * context and parameters (asserted below: a change to one of them must bring its own scan back).
 * Any line rated VULNERABLE or NOT ok fails, except what a self-signed test certificate cannot
 * have: a chain of trust, CRL and OCSP URIs.
 */
class TestsslScanTest {
    /** What a self-signed certificate is rightly rated NOT ok for; the label of the line. */
    private static final List<String> SELF_SIGNED_ONLY = List.of("Chain of trust", "Certificate Revocation List", "OCSP URI");

    /** The listeners scanned: those whose TLS settings differ (see {@link #theOutboundListenerHasTheScannedSettings}). */
    private static final List<String> SCANNED = List.of("inbound");
    private static TestGateway gateway;
    private static Path reports;
    private static final Map<String, String> scans = new LinkedHashMap<>();

    @BeforeAll
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    static void scanBothListeners() throws Exception {
        String testssl = ExternalProgram.require("testssl", "testssl.sh");
        // The embedded default itself, only on ephemeral ports and a fresh data directory.
        String yaml = ConfigLoader.embeddedDefaultText().replace("127.0.0.1:2525", "127.0.0.1:0")
                .replace("127.0.0.1:2587", "127.0.0.1:0").replace("127.0.0.1:8025", "127.0.0.1:0");
        gateway = TestGateway.startYaml(yaml);
        reports = Files.createDirectories(Path.of("target", "testssl"));
        Map<String, Process> running = new LinkedHashMap<>();
        for (String listener : SCANNED) {
            Path text = reports.resolve(listener + ".txt");
            Path json = reports.resolve(listener + ".json");
            Files.deleteIfExists(json);
            // -p protocols, -s cipher categories, -f forward secrecy, -P server preference and order,
            // -S server defaults (certificate, resumption), -U vulnerabilities (renegotiation, LUCKY13, ROBOT ...).
            running.put(listener, new ProcessBuilder(testssl, "--starttls", "smtp", "--quiet", "--color", "0",
                    "--warnings", "off", "--openssl-timeout", "5", "--jsonfile", json.toString(),
                    "-p", "-s", "-f", "-P", "-S", "-U", "127.0.0.1:" + gateway.port(listener))
                    .redirectErrorStream(true).redirectOutput(text.toFile()).start());
        }
        for (var entry : running.entrySet()) {
            Process process = entry.getValue();
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("testssl.sh on " + entry.getKey() + " did not finish within 30 minutes");
            }
            String output = Files.readString(reports.resolve(entry.getKey() + ".txt"), StandardCharsets.UTF_8);
            scans.put(entry.getKey(), output);
            System.out.println("testssl.sh --starttls smtp, listener " + entry.getKey() + ":\n" + output);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void theOutboundListenerHasTheScannedSettings() throws Exception {
        var listeners = ConfigLoader.embeddedDefault().listeners();
        assertThat(listeners.stream().filter(l -> l.name().equals("outbound")).findFirst().orElseThrow().tls())
                .isEqualTo(listeners.stream().filter(l -> l.name().equals("inbound")).findFirst().orElseThrow().tls());
    }

    @Test
    void noLineIsRatedVulnerableOrNotOkBesidesTheSelfSignedCertificate() {
        for (var scan : scans.entrySet()) {
            assertThat(findings(scan.getValue())).as("testssl.sh findings on listener " + scan.getKey()
                    + " (full output in target/testssl/" + scan.getKey() + ".txt)").isEmpty();
        }
    }

    @Test
    void theScanReallyCheckedRenegotiationCiphersAndProtocols() {
        for (var scan : scans.entrySet()) {
            assertThat(scan.getValue()).as(scan.getKey())
                    .containsPattern("Secure Client-Initiated Renegotiation +not vulnerable \\(OK\\)")
                    .containsPattern("Obsolete CBC ciphers \\(AES, ARIA etc\\.\\) +not offered")
                    .containsPattern("LUCKY13 \\(CVE-2013-0169\\), experimental +not vulnerable \\(OK\\)")
                    .containsPattern("TLS 1\\.1 +not offered")
                    .containsPattern("TLS 1\\.3 +offered \\(OK\\)")
                    .containsPattern("Has server cipher order\\? +yes \\(OK\\)")
                    .doesNotContain("Scan interrupted");
        }
    }

    /** Lines rated VULNERABLE or NOT ok, each with the label of the check it continues. */
    static List<String> findings(String output) {
        List<String> findings = new ArrayList<>();
        String label = "";
        for (String line : output.split("\n")) {
            if (line.length() > 1 && line.charAt(0) == ' ' && line.charAt(1) != ' ') {
                label = line.strip().split(" {2,}")[0];
            }
            boolean bad = line.contains("VULNERABLE") || line.contains("NOT ok");
            if (bad && SELF_SIGNED_ONLY.stream().noneMatch(label::startsWith)) {
                findings.add(label + ": " + line.strip());
            }
        }
        return findings;
    }

    @Test
    void theFilterKeepsEveryOtherRating() {
        String sample = """
                 Chain of trust               NOT ok (self signed)
                 OCSP URI                     --
                                              NOT ok -- neither CRL nor OCSP URI provided
                 Secure Client-Initiated Renegotiation     VULNERABLE (NOT ok), potential DoS threat
                 LUCKY13 (CVE-2013-0169), experimental     potentially VULNERABLE, uses cipher block chaining (CBC) ciphers with TLS.
                """;
        assertThat(findings(sample)).hasSize(2).allSatisfy(line -> assertThat(line).doesNotContain("self signed", "OCSP"));
    }
}
