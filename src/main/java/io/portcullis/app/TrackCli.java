package io.portcullis.app;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSearch;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code portcullis track}: finds messages in the tracking log and prints each one's timeline,
 * from receipt to delivery, bounce or expiry. A message matches when any of its events matches
 * every criterion given; then all its events are shown. With a {@code database:} in the
 * configuration ({@code --config}), every node's events are searched there.
 */
@Command(name = "track", mixinStandardHelpOptions = true, description = "Search the message tracking log and print each message's timeline.")
final class TrackCli implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @CommandLine.Mixin
    Main.DataDirectoryOption data = new Main.DataDirectoryOption();

    @CommandLine.Mixin
    Main.ConfigOption config = new Main.ConfigOption();

    @Option(names = "--sender", description = "Envelope sender (exact, any case).")
    String sender;

    @Option(names = "--recipient", description = "Envelope recipient (exact, any case).")
    String recipient;

    @Option(names = "--message-id", description = "The Message-ID header, with or without <>.")
    String messageId;

    @Option(names = "--queue-id", description = "The queue id.")
    String queueId;

    @Option(names = "--flow", description = "The flow (inbound, outbound, local, ...).")
    String flow;

    @Option(names = "--client", description = "The client's IP address (refusals before MAIL carry no sender).")
    String client;

    @Option(names = "--since", defaultValue = "1d",
            description = "Start of the window: an ISO instant (2026-11-28T10:00:00Z) or an age (30m, 2h, 7d). Default: ${DEFAULT-VALUE}.")
    String since;

    @Option(names = "--until", description = "End of the window, same forms; default: now.")
    String until;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Instant from = instant(since);
        Instant to = until == null ? Instant.now() : instant(until);
        TrackingSearch.Criteria criteria = new TrackingSearch.Criteria(sender, recipient, messageId, queueId, flow, client,
                from, to);
        TrackingSearch.Result result;
        try {
            result = SharedDatabase.read(config.load(), reads -> reads.search(criteria),
                    () -> TrackingSearch.search(data.path.resolve("tracking"), criteria));
        } catch (io.portcullis.config.ConfigException e) {
            return Main.reportConfigErrors(e, spec.commandLine().getErr());
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("portcullis track: " + e.getMessage());
            return 1;
        }
        Map<String, List<TrackingEvent>> timelines = result.timelines();
        List<TrackingEvent> matchingRejects = result.refusals();
        PrintWriter out = spec.commandLine().getOut();
        for (var timeline : timelines.entrySet()) {
            TrackingEvent first = timeline.getValue().getFirst();
            out.println(timeline.getKey() + "  from <" + first.sender() + ">"
                    + (first.messageId() == null ? "" : "  " + first.messageId()));
            timeline.getValue().forEach(event -> out.println("  " + line(event)));
            out.println();
        }
        for (TrackingEvent reject : matchingRejects) {
            out.println("(not queued)  " + line(reject));
        }
        out.println("-- " + timelines.size() + " message" + (timelines.size() == 1 ? "" : "s")
                + (matchingRejects.isEmpty() ? "" : ", " + matchingRejects.size() + " refusals"));
        out.flush();
        return 0;
    }

    private static String line(TrackingEvent event) {
        StringBuilder line = new StringBuilder(TIME.format(event.time())).append("  ")
                .append(String.format(Locale.ROOT, "%-8s", event.event()));
        switch (event.event()) {
            case "RECEIVE" -> line.append(" on ").append(event.listener()).append(" (flow ").append(event.flow())
                    .append(") from ").append(event.client()).append(", ").append(event.size()).append(" bytes, to ")
                    .append(event.recipients());
            case "QUEUE" -> line.append(" queued for ").append(event.recipients().size()).append(" recipient(s)");
            case "REJECT" -> {
                line.append(" on ").append(event.listener()).append(" from ").append(event.client());
                if (event.helo() != null) {
                    line.append(" helo ").append(event.helo());
                }
                if (event.sender() != null) {
                    line.append(" <").append(event.sender()).append(">");
                }
                if (event.phase() != null) {
                    line.append(" at ").append(event.phase()).append(" by ").append(event.check());
                }
                line.append(" (").append(event.reason()).append("): ").append(event.reply());
            }
            case "HOLD", "RELEASE", "DELETE" -> line.append(" by ").append(event.reason());
            default -> line.append(" <").append(event.recipients().getFirst()).append(">")
                    .append(event.connector() == null ? "" : " via " + event.connector())
                    .append(event.remoteHost() == null ? "" : " to " + event.remoteHost())
                    .append(event.tls() == null ? "" : " (tls " + event.tls() + ")")
                    .append(": ").append(event.reply());
        }
        return line.toString();
    }

    static Instant instant(String text) {
        java.util.regex.Matcher age = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(text);
        if (age.matches()) {
            long amount = Long.parseLong(age.group(1));
            Duration duration = switch (age.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            return Instant.now().minus(duration);
        }
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }
}
