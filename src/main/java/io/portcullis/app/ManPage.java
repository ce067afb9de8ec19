package io.portcullis.app;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code portcullis man-page}: portcullis(1) in troff, generated from the picocli model (every
 * command, subcommand, option and parameter with its description), so the man page never drifts
 * from {@code --help}. The Debian package build runs it; it is hidden from the help.
 */
@Command(name = "man-page", hidden = true, mixinStandardHelpOptions = true, description = "Print the portcullis(1) man page (troff).")
final class ManPage implements Callable<Integer> {
    @CommandLine.Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.print(render(spec.parent()));
        out.flush();
        return 0;
    }

    static String render(CommandSpec root) {
        StringBuilder page = new StringBuilder();
        String version = root.version().length > 0 ? root.version()[0] : "";
        page.append(".TH PORTCULLIS 1 \"\" \"").append(escape(version)).append("\" \"Portcullis manual\"\n");
        page.append(".SH NAME\nportcullis \\- ").append(escape(String.join(" ", root.usageMessage().description())
                .replaceAll("\\.$", "").toLowerCase(java.util.Locale.ROOT))).append('\n');
        page.append(".SH SYNOPSIS\n.B portcullis\n.I command\n[\n.I options\n]\n");
        page.append(".SH DESCRIPTION\n").append(escape(String.join(" ", root.usageMessage().description()))).append('\n');
        page.append(".PP\n.B portcullis run\nstarts the gateway; the other commands work on a running one (through its control socket)"
                + " or on its data directory. Every command takes \\fB\\-\\-help\\fR.\n");
        page.append(".SH COMMANDS\n");
        commands(page, root, "portcullis");
        page.append("""
                .SH ENVIRONMENT
                .TP
                .B PORTCULLIS_CONFIG
                The configuration file when \\fB\\-\\-config\\fR is not given (the Debian launcher sets /etc/portcullis/portcullis.yaml).
                .TP
                .B PORTCULLIS_DATA_DIR
                The data directory when \\fB\\-\\-data\\-dir\\fR is not given (the Debian launcher sets /var/lib/portcullis).
                .TP
                .B PORTCULLIS_JAVA_OPTS
                JVM options after the launcher's defaults, e.g. \\-Xmx2g (also read from /etc/default/portcullis).
                .SH SIGNALS
                .TP
                .B SIGHUP
                Re-read the configuration (as \\fBportcullis reload\\fR); an invalid one is logged and the old one stays.
                .TP
                .B SIGTERM, SIGINT
                Graceful stop: stop accepting, let sessions in progress finish for \\fBshutdown\\-timeout\\fR (default 30s),
                then tell those still open 421 4.3.2; exit status 0.
                .SH FILES
                .TP
                .I /etc/portcullis/portcullis.yaml
                The configuration (Debian package).
                .TP
                .I /var/lib/portcullis
                The data directory: spool, certificates, users, tracking log, reports, control socket (mode 0700).
                .TP
                .I /usr/share/doc/portcullis/examples/portcullis.example.yaml.gz
                Every configuration key with its default.
                .SH EXIT STATUS
                0 success (or: ready, for \\fBhealth\\fR), 1 a runtime failure (or: not ready), 2 a configuration refused.
                .SH SEE ALSO
                .BR systemctl (1),
                .BR journalctl (1)
                """);
        return page.toString();
    }

    private static void commands(StringBuilder page, CommandSpec spec, String path) {
        for (Map.Entry<String, CommandLine> entry : spec.subcommands().entrySet()) {
            CommandSpec sub = entry.getValue().getCommandSpec();
            if (sub.usageMessage().hidden() || !entry.getKey().equals(sub.name()) || sub.name().equals("help")) {
                continue; // hidden commands and aliases
            }
            String name = path + " " + sub.name();
            page.append(".SS \"").append(escape(name)).append("\"\n");
            page.append(escape(String.join(" ", sub.usageMessage().description()))).append('\n');
            List<PositionalParamSpec> parameters = sub.positionalParameters().stream().filter(p -> !p.hidden()).toList();
            for (PositionalParamSpec parameter : parameters) {
                page.append(".TP\n.I ").append(escape(parameter.paramLabel())).append('\n')
                        .append(escape(String.join(" ", parameter.description()))).append('\n');
            }
            for (OptionSpec option : sub.options()) {
                if (option.hidden() || option.usageHelp() || option.versionHelp()) {
                    continue;
                }
                page.append(".TP\n\\fB").append(escape(String.join(", ", option.names()))).append("\\fR");
                if (option.arity().max() > 0) {
                    page.append(" \\fI").append(escape(option.paramLabel())).append("\\fR");
                }
                page.append('\n').append(escape(String.join(" ", option.description())
                        .replace("${DEFAULT-VALUE}", String.valueOf(option.defaultValue())))).append('\n');
            }
            commands(page, sub, name);
        }
    }

    /** Text for troff: backslashes and hyphens escaped, no line starting with a control character. */
    static String escape(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder result = new StringBuilder();
        for (String line : escaped.split("\n", -1)) {
            if (line.startsWith(".") || line.startsWith("'")) {
                result.append("\\&");
            }
            result.append(line).append('\n');
        }
        return result.substring(0, result.length() - 1);
    }
}
