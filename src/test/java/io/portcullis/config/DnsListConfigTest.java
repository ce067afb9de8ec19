package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The dnsbl and dbl phase checks' keys: the zone grammar (postscreen_dnsbl_sites), defaults, and errors naming line and key. */
class DnsListConfigTest {
    @TempDir
    Path directory;

    private GatewayConfig load(String check) throws IOException, ConfigException {
        return ConfigLoader.load(Files.writeString(directory.resolve("portcullis.yaml"), yaml(check)));
    }

    private static String yaml(String check) {
        return "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n    phases:\n      connect: [bl]\n"
                + "phase-checks:\n  - name: bl\n" + check.stripIndent().indent(4);
    }

    @Test
    void readsZonesWithFiltersAndWeightsAndTheDefaults() throws Exception {
        GatewayConfig config = load("""
                type: dnsbl
                zones:
                  - zen.example.org*3
                  - bl.example=127.0.0.[2..11]*2
                  - wl.example=127.0.[0..255].[0;2..3]*-2
                  - Bücher.Example
                """);
        PhaseCheckConfig.Dnsbl dnsbl = (PhaseCheckConfig.Dnsbl) config.phaseChecks().get("bl");
        DnsListSettings settings = dnsbl.lists();
        assertThat(settings.zones()).extracting(DnsListSettings.Zone::zone)
                .containsExactly("zen.example.org", "bl.example", "wl.example", "xn--bcher-kva.example");
        assertThat(settings.zones()).extracting(DnsListSettings.Zone::weight).containsExactly(3.0, 2.0, -2.0, 1.0);
        assertThat(settings).extracting(DnsListSettings::threshold, DnsListSettings::allowThreshold,
                DnsListSettings::action, DnsListSettings::timeout, DnsListSettings::cacheSize, DnsListSettings::maxTtl,
                DnsListSettings::negativeTtl).containsExactly(1.0, -1.0, DnsListSettings.Action.REJECT,
                Duration.ofSeconds(2), 100_000, Duration.ofHours(1), Duration.ofMinutes(5));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "zen.example.org                      | 127.0.0.2       | true",
        "zen.example.org                      | 127.255.0.1     | true",
        "zen.example.org                      | 10.0.0.2        | false",
        "bl.example=127.0.0.[2..11]           | 127.0.0.1       | false",
        "bl.example=127.0.0.[2..11]           | 127.0.0.2       | true",
        "bl.example=127.0.0.[2..11]           | 127.0.0.11      | true",
        "bl.example=127.0.0.[2..11]           | 127.0.0.12      | false",
        "bl.example=127.0.0.2                 | 127.0.0.2       | true",
        "bl.example=127.0.0.2                 | 127.0.0.3       | false",
        "wl.example=127.0.[0..255].[0;2..3]   | 127.0.15.0      | true",
        "wl.example=127.0.[0..255].[0;2..3]   | 127.0.15.1      | false",
        "wl.example=127.0.[0..255].[0;2..3]   | 127.0.15.3      | true",
        "wl.example=127.0.[0..255].[0;2..3]   | 127.1.15.3      | false"})
    void filterMatchesAsPostscreenDoes(String entry, String answer, boolean listed) throws Exception {
        assertThat(DnsListSettings.Zone.parse(entry.strip()).matches(InetAddress.getByName(answer.strip()))).isEqualTo(listed);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "weight not a number | 12 | phase-checks[0].zones[1]: the weight after '*' must be a number such as 3 or -2, got \"x\"",
        "zone not a domain   | 11 | phase-checks[0].zones[0]: \"bl_example\" is not a zone name",
        "bad range           | 12 | phase-checks[0].zones[1]: bad reply filter \"127.0.0.[11..2]\": the range 11..2 is empty",
        "octet too big       | 12 | phase-checks[0].zones[1]: bad reply filter \"127.0.0.256\": \"256\" is not an octet value",
        "three octets        | 12 | phase-checks[0].zones[1]: bad reply filter \"127.0.0\": four octet patterns are needed",
        "unclosed bracket    | 12 | phase-checks[0].zones[1]: bad reply filter \"127.0.0.[2..11\": a '[' without its ']'",
        "range unbracketed   | 12 | phase-checks[0].zones[1]: bad reply filter \"127.0.0.2..11\": a range a..b goes in brackets",
        "no zones            | 8  | phase-checks[0].zones: a DNS list check needs at least one zone",
        "bad action          | 13 | phase-checks[0].action: expected reject, tempfail, score or log, got \"drop\"",
        "bad threshold       | 13 | phase-checks[0].threshold: expected a number such as 3 or -1, got \"many\"",
        "allow above block   | 13 | phase-checks[0].allow-threshold: must be below threshold (1.0)",
        "zero timeout        | 13 | phase-checks[0].timeout: expected a duration above 0 and at most 1m",
        "dbl at connect      | 6  | listeners[0].phases.connect[0]: \"bl\" cannot run at connect (it runs at helo, mail)"})
    void badValueNamesLineAndKey(String name, int line, String message) throws IOException {
        String check = switch (name.strip()) {
            case "weight not a number" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example*x\n";
            case "zone not a domain" -> "type: dnsbl\nzones:\n  - bl_example\n";
            case "bad range" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example=127.0.0.[11..2]\n";
            case "octet too big" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example=127.0.0.256\n";
            case "three octets" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example=127.0.0\n";
            case "unclosed bracket" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example=127.0.0.[2..11\n";
            case "range unbracketed" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example=127.0.0.2..11\n";
            case "no zones" -> "type: dnsbl\n";
            case "bad action" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example\naction: drop\n";
            case "bad threshold" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example\nthreshold: many\n";
            case "allow above block" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example\nallow-threshold: 2\n";
            case "zero timeout" -> "type: dnsbl\nzones:\n  - a.example\n  - b.example\ntimeout: 0s\n";
            default -> "type: dbl\nzones: [dbl.example]\n";
        };
        Path file = Files.writeString(directory.resolve("portcullis.yaml"), yaml(check));
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    @Test
    void embeddedDefaultAsksNoDnsList() throws ConfigException {
        assertThat(ConfigLoader.embeddedDefault().phaseChecks().values())
                .noneMatch(check -> check instanceof PhaseCheckConfig.Dnsbl || check instanceof PhaseCheckConfig.Dbl);
    }

    @Test
    void exampleShowsTwoBlockListsAndOneAllowListAtTheInboundConnect() throws ConfigException {
        GatewayConfig example = ConfigLoader.load(Path.of("portcullis.example.yaml"));
        PhaseCheckConfig.Dnsbl dnsbl = (PhaseCheckConfig.Dnsbl) example.phaseChecks().get("dnsbl");
        assertThat(dnsbl.lists().zones()).filteredOn(zone -> zone.weight() > 0).hasSize(2);
        assertThat(dnsbl.lists().zones()).filteredOn(zone -> zone.weight() < 0).hasSize(1);
        ListenerConfig inbound = example.listeners().getFirst();
        assertThat(inbound.phases().at(Phase.CONNECT)).contains("dnsbl");
        assertThat(inbound.phases().at(Phase.MAIL)).contains("dbl");
    }
}
