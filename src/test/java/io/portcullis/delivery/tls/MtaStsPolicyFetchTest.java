package io.portcullis.delivery.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.PolicyServer;
import io.portcullis.testing.TestCa;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Policy discovery and fetch against real peers: dnsmasq answers the {@code _mta-sts} TXT records
 * and the policy hosts' A records (a loopback address of the test's own), the JDK's HttpsServer
 * serves the policies on port 443 with a certificate from a test CA that only the fetcher's trust
 * file knows. A second server presents a trusted certificate for another name. Every failure is
 * "no policy" and is counted for the domain's TLS report with its RFC 8460 result type.
 */
class MtaStsPolicyFetchTest {
    private static final String[] DOMAINS = {"good.test", "cached.test", "big.test", "grammar.test", "type.test",
        "redirect.test", "overflow.test", "manymx.test", "twotxt.test", "changing.test", "lines.test", "capped.test"};
    private static TestCa ca;
    private static PolicyServer server;
    private static PolicyServer wrongName;
    private static Dnsmasq dns;
    private static Path trust;
    private Path data;
    private MutableClock clock;

    @BeforeAll
    static void start() throws Exception {
        ca = new TestCa("MTA-STS test CA");
        trust = ca.writeTrust(Files.createTempDirectory("mta-sts-trust").resolve("ca.pem"));
        String[] hosts = java.util.Arrays.stream(DOMAINS).map(d -> "mta-sts." + d).toArray(String[]::new);
        server = PolicyServer.start(ca.issue(hosts).serverContext());
        wrongName = PolicyServer.start(ca.issue("somewhere-else.test").serverContext());
        List<String> records = new java.util.ArrayList<>();
        for (String domain : DOMAINS) {
            records.add("--host-record=mta-sts." + domain + "," + server.address());
            if (!domain.equals("twotxt.test") && !domain.equals("changing.test")) {
                records.add(Dnsmasq.txtRecord("_mta-sts." + domain, "v=STSv1; id=20261130;"));
            }
        }
        records.add(Dnsmasq.txtRecord("_mta-sts.twotxt.test", "v=STSv1; id=1;"));
        records.add(Dnsmasq.txtRecord("_mta-sts.twotxt.test", "v=STSv1; id=2;"));
        records.add(Dnsmasq.txtRecord("_mta-sts.changing.test", "v=STSv1; id=first;"));
        records.add("--host-record=mta-sts.badcert.test," + wrongName.address());
        records.add(Dnsmasq.txtRecord("_mta-sts.badcert.test", "v=STSv1; id=1;"));
        dns = Dnsmasq.start(records.toArray(String[]::new));
        String enforce = "version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmx: *.backup.good.test\r\nmax_age: 604800\r\n";
        server.answer("mta-sts.good.test", PolicyServer.Answer.policy(enforce));
        server.answer("mta-sts.cached.test", PolicyServer.Answer.policy(enforce));
        server.answer("mta-sts.changing.test", PolicyServer.Answer.policy(enforce));
        server.answer("mta-sts.big.test", PolicyServer.Answer.policy(enforce + "x-pad: " + "a".repeat(70 * 1024) + "\n"));
        server.answer("mta-sts.grammar.test", PolicyServer.Answer.policy("version: STSv1\nmode: enforcing\nmx: mx.grammar.test\nmax_age: 86400\n"));
        server.answer("mta-sts.type.test", new PolicyServer.Answer(200, "text/html", enforce.getBytes(StandardCharsets.US_ASCII)));
        server.answer("mta-sts.redirect.test", new PolicyServer.Answer(301, "text/plain", new byte[0]));
        server.answer("mta-sts.overflow.test", PolicyServer.Answer.policy("version: STSv1\nmode: enforce\nmx: mx.overflow.test\nmax_age: 18446744073709551617\n"));
        server.answer("mta-sts.capped.test", PolicyServer.Answer.policy("version: STSv1\nmode: testing\nmx: mx.capped.test\nmax_age: 9999999999\n"));
        server.answer("mta-sts.manymx.test", PolicyServer.Answer.policy("version: STSv1\nmode: enforce\nmax_age: 86400\n"
                + "mx: mx.manymx.test\n".repeat(101)));
        server.answer("mta-sts.lines.test", PolicyServer.Answer.policy("version: STSv1\nmode: enforce\nmx: mx.lines.test\nmax_age: 86400\n"
                + "x: y\n".repeat(1001)));
        server.answer("mta-sts.twotxt.test", PolicyServer.Answer.policy(enforce));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(dns, server, wrongName);
    }

    @BeforeEach
    void freshDataDirectory() throws Exception {
        data = Files.createTempDirectory("mta-sts-data");
        clock = new MutableClock(Instant.now());
    }

    private TlsReports reports() throws Exception {
        return new TlsReports(data.resolve("tls-reports"), 100, clock);
    }

    private MtaStsPolicies policies(TlsReports reports) throws Exception {
        PolicyDns policyDns = new PolicyDns(new InetSocketAddress("127.0.0.1", dns.port()));
        SSLContext context = MtaStsService.trustContext(trust);
        return new MtaStsPolicies(policyDns, new PolicyHttps(policyDns, context, Duration.ofSeconds(20), address -> java.util.Optional.empty()), reports,
                data.resolve("mta-sts"), 100, clock);
    }

    @Test
    void anEnforcePolicyIsFetchedOverVerifiedHttpsAndMatchesItsMxPatterns() throws Exception {
        Optional<StsPolicy> policy = policies(reports()).policyFor("good.test");
        assertThat(policy).isPresent();
        assertThat(policy.get().mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(policy.get().id()).isEqualTo("20261130");
        assertThat(policy.get().maxAge()).isEqualTo(604800);
        assertThat(policy.get().mx()).containsExactly("mx.good.test", "*.backup.good.test");
        assertThat(policy.get().matches("MX.Good.Test.")).isTrue();
        assertThat(policy.get().matches("a.backup.good.test")).isTrue();
        assertThat(policy.get().matches("backup.good.test")).isFalse();
        assertThat(policy.get().matches("a.b.backup.good.test")).isFalse();
        assertThat(policy.get().matches("mx.evil.test")).isFalse();
        assertThat(server.gets()).contains("mta-sts.good.test/.well-known/mta-sts.txt");
    }

    @Test
    void theCacheSurvivesARestartAndOutlivesTheServerUntilItExpires() throws Exception {
        assertThat(policies(reports()).policyFor("cached.test")).isPresent();
        assertThat(Files.getPosixFilePermissions(data.resolve("mta-sts/policies.json")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        server.answer("mta-sts.cached.test", new PolicyServer.Answer(500, "text/plain", new byte[0]));
        try {
            long fetchesBefore = server.gets().stream().filter(g -> g.startsWith("mta-sts.cached.test")).count();
            TlsReports reports = reports();
            MtaStsPolicies restarted = policies(reports);
            Optional<StsPolicy> policy = restarted.policyFor("cached.test");
            assertThat(policy).as("read back from the data directory, same TXT id: no fetch").isPresent();
            assertThat(policy.get().mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
            assertThat(server.gets().stream().filter(g -> g.startsWith("mta-sts.cached.test")).count()).isEqualTo(fetchesBefore);
            clock.advance(Duration.ofDays(2)); // due for a refresh; the refresh fails; the cached policy stays
            assertThat(restarted.policyFor("cached.test")).isPresent();
            assertThat(server.gets().stream().filter(g -> g.startsWith("mta-sts.cached.test")).count()).isEqualTo(fetchesBefore + 1);
            clock.advance(Duration.ofDays(6)); // past max_age: gone, and the failed fetch is counted
            assertThat(restarted.policyFor("cached.test")).isEmpty();
            assertThat(failures(reports, "cached.test")).containsExactly("sts-policy-fetch-error");
        } finally {
            server.answer("mta-sts.cached.test", PolicyServer.Answer.policy(
                    "version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmax_age: 604800\r\n"));
        }
    }

    @Test
    void aCachedPolicyIsUsedWhileTheTxtIdIsUnchanged() throws Exception {
        MtaStsPolicies policies = policies(reports());
        policies.policyFor("changing.test");
        policies.policyFor("changing.test");
        policies.policyFor("changing.test");
        assertThat(server.gets().stream().filter(g -> g.startsWith("mta-sts.changing.test")).count()).isEqualTo(1);
    }

    @Test
    void twoStsRecordsMeanNoPolicyAndNoFetch() throws Exception {
        assertThat(policies(reports()).policyFor("twotxt.test")).isEmpty();
        assertThat(server.gets()).noneMatch(g -> g.startsWith("mta-sts.twotxt.test"));
    }

    @Test
    void aDomainWithoutTheRecordHasNoPolicy() throws Exception {
        TlsReports reports = reports();
        assertThat(policies(reports).policyFor("nothing.test")).isEmpty();
        assertThat(reports.takeDue(true)).as("nothing counted").isEmpty();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "badcert.test,  sts-webpki-invalid",
        "big.test,      sts-policy-fetch-error",
        "redirect.test, sts-policy-fetch-error",
        "grammar.test,  sts-policy-invalid",
        "type.test,     sts-policy-invalid",
        "overflow.test, sts-policy-invalid",
        "manymx.test,   sts-policy-invalid",
        "lines.test,    sts-policy-invalid"})
    void aPolicyThatCannotBeFetchedOrReadIsNoPolicyAndIsReported(String domain, String resultType) throws Exception {
        TlsReports reports = reports();
        assertThat(policies(reports).policyFor(domain)).isEmpty();
        assertThat(failures(reports, domain)).containsExactly(resultType);
        assertThat(Files.exists(data.resolve("mta-sts/policies.json"))).as("nothing cached").isFalse();
    }

    @Test
    void aMaxAgeAboveTheLimitIsCutToAYear() throws Exception {
        Optional<StsPolicy> policy = policies(reports()).policyFor("capped.test");
        assertThat(policy).isPresent();
        assertThat(policy.get().maxAge()).isEqualTo(31_557_600);
        assertThat(policy.get().mode()).isEqualTo(StsPolicy.Mode.TESTING);
    }

    /** The result types counted for {@code domain} today. */
    private static List<String> failures(TlsReports reports, String domain) {
        TlsReports.Period period = reports.takeDue(true).getFirst();
        return period.domains().getOrDefault(domain, List.of()).stream()
                .flatMap(counts -> counts.details().stream()).map(TlsReports.Detail::resultType).toList();
    }
}
