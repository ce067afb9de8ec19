package io.portcullis.app;

import io.portcullis.config.ConfigException;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.delivery.tls.TlsRecords;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portcullis tls-records} and {@code portcullis tls-reports send}. */
final class TlsCli {
    private TlsCli() {
    }

    @Command(name = "tls-records", mixinStandardHelpOptions = true, description = "Print the DNS records to publish for our domains: _mta-sts and "
            + "_smtp._tls TXT, and the _25._tcp TLSA 3 1 1 record of the inbound listener's certificate.")
    static final class Records implements Callable<Integer> {
        @CommandLine.Mixin
        Main.ConfigOption config = new Main.ConfigOption();

        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GatewayConfig gateway;
            try {
                gateway = config.load();
            } catch (ConfigException e) {
                return Main.reportConfigErrors(e, spec.commandLine().getErr());
            }
            List<String> domains = gateway.routes().localDomains().isEmpty() ? List.of(gateway.hostname())
                    : gateway.routes().localDomains();
            ListenerConfig inbound = gateway.listeners().stream().filter(l -> l.tls() != null && l.flow().equals("inbound"))
                    .findFirst().orElse(gateway.listeners().stream().filter(l -> l.tls() != null).findFirst().orElse(null));
            X509Certificate leaf = null;
            if (inbound != null) {
                Path file = inbound.tls().selfSigned() ? data.path.resolve("tls/certificate.pem") : inbound.tls().certificate();
                if (!Files.isReadable(file)) {
                    spec.commandLine().getErr().println("portcullis tls-records: cannot read " + file
                            + (inbound.tls().selfSigned() ? " (the self-signed certificate is made at the first start)" : ""));
                    return 1;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            TlsRecords.all(domains, gateway.mtaSts().served(), gateway.tlsReports().rua(),
                    inbound == null ? gateway.hostname() : inbound.hostname(), leaf).forEach(out::println);
            out.flush();
            return 0;
        }
    }

    @Command(name = "tls-reports", mixinStandardHelpOptions = true, description = "TLS reports (RFC 8460) about our outbound sessions.",
            subcommands = {Send.class})
    static final class Reports {
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Send the TLS reports counted so far now (today's included) instead of "
            + "waiting for the daily send.")
    static final class Send implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var answer = ControlClient.send(data.path, QueueCommands.request("tls-reports-send", null));
            if (answer == null) {
                spec.commandLine().getErr().println("portcullis tls-reports send: no gateway is running on " + data.path);
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (answer.path("result").isEmpty()) {
                out.println("nothing to report");
            }
            answer.path("result").forEach(line -> out.println(line.asText()));
            out.flush();
            return 0;
        }
    }
}
