package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConnectorConfig;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hook MTA-STS plugs into ({@link StsPolicies}): with an enforced policy, an MX host outside
 * its patterns is refused with {@code 451 4.7.5} before any connection, a matching one must give a
 * CA-verified certificate naming it; a {@code none} destination never asks; {@code secure} stays
 * as strict as it was. (DANE before MTA-STS is covered by DaneDeliveryTest's real resolver.)
 */
class StsPolicyHookTest {
    private static final StsPolicies POLICY = domain -> domain.equals("sts.test")
            ? Optional.of(List.of("mx.sts.test", "*.mail.sts.test")) : Optional.empty();

    @ParameterizedTest(name = "{0} via {1} at {2}")
    @CsvSource(delimiter = '|', value = {
        "sts.test   | mx.sts.test        | may    | STS     | ",
        "sts.test   | a.mail.sts.test    | may    | STS     | ",
        "sts.test   | a.b.mail.sts.test  | may    | NONE    | 451 4.7.5 TLS is required but could not be established (a.b.mail.sts.test is not an MX host",
        "sts.test   | mx.elsewhere.test  | encrypt| NONE    | 451 4.7.5 TLS is required but could not be established (mx.elsewhere.test is not an MX host",
        "sts.test   | mx.sts.test        | none   | NONE    | ",
        "sts.test   | mx.sts.test        | secure | SECURE  | ",
        "other.test | mx.other.test      | may    | MAY     | "})
    void enforcedPolicyShapesTheRequirement(String domain, String host, String level, TlsRequirement.Kind kind, String refusal)
            throws Exception {
        ConnectorConfig.SmtpOptions options = new ConnectorConfig.SmtpOptions(null, ConnectorConfig.TlsPolicy.parse(level), null,
                null, null, 20, 0, ConnectorConfig.Timeouts.DEFAULT);
        DestinationTls tls = new DestinationTls(options, null, POLICY);
        TlsRequirement requirement = tls.forHop(tls.forDomain(domain), new NextHop(host, InetAddress.getLoopbackAddress(), 25),
                new HashMap<>());
        assertThat(requirement.kind()).isEqualTo(kind);
        if (refusal == null) {
            assertThat(requirement.refusal()).isNull();
        } else {
            assertThat(requirement.refusal().toString()).startsWith(refusal);
        }
        if (kind == TlsRequirement.Kind.STS) {
            assertThat(requirement.names()).containsExactly(host);
        }
    }
}
