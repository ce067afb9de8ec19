package io.portcullis.app;

import io.portcullis.observe.Reports;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code portcullis report}: inbound versus outbound figures from the persistent aggregates: this
 * node's files, or every node's figures in the {@code database:} of the configuration ({@code --config}).
 */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Print messages, recipients, bytes, rejects and delivery rates per flow.")
final class ReportCli implements Callable<Integer> {
    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:00").withZone(ZoneOffset.UTC);

    @CommandLine.Mixin
    Main.DataDirectoryOption data = new Main.DataDirectoryOption();

    @CommandLine.Mixin
    Main.ConfigOption config = new Main.ConfigOption();

    @Option(names = "--by", defaultValue = "hour", description = "hour or day (default: ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--since", defaultValue = "1d", description = "An ISO instant or date, or an age (12h, 7d). Default: ${DEFAULT-VALUE}.")
    String since;

    @Option(names = "--until", description = "Same forms; default: now.")
    String until;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Instant from = TrackCli.instant(since);
        Instant to = until == null ? Instant.now() : TrackCli.instant(until);
        Reports.Report report;
        try {
            report = Reports.build(SharedDatabase.read(config.load(), reads -> reads.hours(from, to),
                    () -> io.portcullis.observe.HourlyAggregates.read(data.path.resolve("reports"), from, to)), by, from, to);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("portcullis report: " + e.getMessage());
            return 2;
        } catch (io.portcullis.config.ConfigException e) {
            return Main.reportConfigErrors(e, spec.commandLine().getErr());
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("portcullis report: " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "json" -> out.println(QueueCommands.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            case "csv" -> {
                out.println("period,flow,messages,recipients,bytes,rejects,delivered,deferred,bounced,expired");
                for (Reports.Row row : report.rows()) {
                    out.println(String.join(",", row.period().toString(), row.flow(), "" + row.messages(), "" + row.recipients(),
                            "" + row.bytes(), "" + row.rejects().values().stream().mapToLong(Long::longValue).sum(),
                            "" + row.delivered(), "" + row.deferred(), "" + row.bounced(), "" + row.expired()));
                }
            }
            case "table" -> table(report, out);
            default -> {
                spec.commandLine().getErr().println("portcullis report: --format is table, csv or json");
                return 2;
            }
        }
        out.flush();
        return 0;
    }

    private static void table(Reports.Report report, PrintWriter out) {
        out.printf("%-16s %-10s %9s %10s %12s %8s %9s %8s %8s%n", "PERIOD (UTC)", "FLOW", "MESSAGES", "RECIPIENTS", "BYTES",
                "REJECTS", "DELIVERED", "DEFERRED", "BOUNCED");
        for (Reports.Row row : report.rows()) {
            out.printf("%-16s %-10s %9d %10d %12d %8d %9d %8d %8d%n", PERIOD.format(row.period()), row.flow(), row.messages(),
                    row.recipients(), row.bytes(), row.rejects().values().stream().mapToLong(Long::longValue).sum(),
                    row.delivered(), row.deferred(), row.bounced() + row.expired());
        }
        out.println();
        for (Reports.FlowSummary flow : report.flows()) {
            out.printf(Locale.ROOT, "%s: %d messages, %d recipients, %d bytes; %d rejects%s; bounce rate %.1f%%, "
                            + "deferral rate %.1f%%; peak hour %s (%d messages); 95th percentile %d messages/hour%n",
                    flow.flow(), flow.messages(), flow.recipients(), flow.bytes(), flow.rejects(),
                    flow.rejectsByReason().isEmpty() ? "" : " (" + new TreeMap<>(flow.rejectsByReason()).entrySet().stream()
                            .map(Map.Entry::toString).collect(Collectors.joining(", ")) + ")",
                    100 * flow.bounceRate(), 100 * flow.deferralRate(),
                    flow.peakHour() == null ? "-" : PERIOD.format(flow.peakHour()), flow.peakHourMessages(),
                    flow.p95HourlyMessages());
        }
    }
}
