package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.IpLiteral;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.Nsd;
import io.portcullis.testing.SmtpSink;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The official RFC 7208 test suite (openspf.org, release 2014.04, shipped in Debian python3-spf),
 * run against our SPF evaluator. Each scenario's zone data is served by a real NSD on loopback,
 * behind dnsmasq, which sends the suite's TIMEOUT names to a port where nothing answers.
 */
class SpfSuiteTest {
    static final Path SUITE = Path.of("/usr/share/doc/python3-spf/rfc7208-tests.yml.gz");

    /**
     * Tests whose expected result we do not give, each with the reason (also listed in the README).
     */
    static final Map<String, String> KNOWN_FAILURES = Map.of();

    @Test
    @SuppressWarnings("unchecked")
    void runsTheRfc7208Suite() throws Exception {
        if (!Files.exists(SUITE)) {
            ExternalProgram.unavailable(SUITE + " is missing (Debian package python3-spf)");
        }
        List<Object> scenarios = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(SUITE))) {
            new Load(LoadSettings.builder().build()).loadAllFromInputStream(in).forEach(scenarios::add);
        }
        int total = 0;
        Map<String, String> failures = new TreeMap<>();
        for (Object document : scenarios) {
            Map<String, Object> scenario = (Map<String, Object>) document;
            SpfZone zone = SpfZone.of((Map<String, Object>) scenario.get("zonedata"));
            int deadPort = SmtpSink.freeUdpPort(); // nothing listens: queries sent there fail at once
            List<String> dnsmasqArguments = new ArrayList<>(List.of("--cache-size=0"));
            try (Nsd nsd = Nsd.start(zone.zoneFile())) {
                dnsmasqArguments.add("--server=127.0.0.1#" + nsd.port());
                for (String name : zone.timeoutNames()) {
                    dnsmasqArguments.add("--server=/" + name + "/127.0.0.1#" + deadPort);
                    zone.names().stream().filter(n -> n.endsWith("." + name) && !zone.timeoutNames().contains(n))
                            .forEach(n -> dnsmasqArguments.add("--server=/" + n + "/127.0.0.1#" + nsd.port()));
                }
                try (Dnsmasq dnsmasq = Dnsmasq.start(dnsmasqArguments.toArray(String[]::new))) {
                    DnsLookup dns = new DnsLookup(new InetSocketAddress("127.0.0.1", dnsmasq.port()), Duration.ofSeconds(2));
                    for (var entry : ((Map<String, Object>) scenario.get("tests")).entrySet()) {
                        total++;
                        Map<String, Object> test = (Map<String, Object>) entry.getValue();
                        String problem = run(dns, test);
                        if (problem != null) {
                            failures.put(entry.getKey(), problem);
                        }
                    }
                }
            }
        }
        System.out.println("RFC 7208 test suite: " + (total - failures.size()) + " of " + total + " pass");
        failures.forEach((name, problem) -> System.out.println("  " + name + ": " + problem));
        assertThat(total).isGreaterThan(200);
        assertThat(failures.keySet()).isEqualTo(KNOWN_FAILURES.keySet());
    }

    /** Null when the result (and, for fail, the explanation) is what the suite expects. */
    private static String run(DnsLookup dns, Map<String, Object> test) {
        String mailFrom = String.valueOf(test.get("mailfrom"));
        String helo = String.valueOf(test.get("helo"));
        SpfEvaluator.Outcome outcome = SpfEvaluator.evaluate(dns, IpLiteral.parse(String.valueOf(test.get("host"))),
                mailFrom, helo);
        Object expected = test.get("result");
        List<String> allowed = expected instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                : List.of(String.valueOf(expected));
        if (!allowed.contains(outcome.result().label())) {
            return "expected " + allowed + ", got " + outcome.result().label();
        }
        Object explanation = test.get("explanation");
        String given = outcome.explanation() == null ? "DEFAULT" : outcome.explanation(); // the suite's default text
        if (explanation != null && outcome.result() == SpfResult.FAIL && !explanation.equals(given)) {
            return "expected explanation \"" + explanation + "\", got \"" + outcome.explanation() + "\"";
        }
        return null;
    }

    static String bytes(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
