package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code portcullis drain} and {@code portcullis undrain}, through the control socket of the
 * gateway on the data directory (see {@link Gateway#drain()}). Drain waits until the queue holds
 * nothing but held messages: exit 0 when it is empty, 1 when {@code --timeout} passed first (or no
 * gateway runs), 2 for a bad option.
 */
final class DrainCli {
    private static final long POLL_MILLIS = 250;
    /** Waits are cut to this (about 146 years), so the deadline fits System.nanoTime's arithmetic. */
    private static final Duration LONGEST_WAIT = Duration.ofNanos(Long.MAX_VALUE / 2);

    private DrainCli() {
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Stop accepting connections (a load balancer's health check sees draining and moves traffic"
                    + " to the other nodes), deliver what is queued now, and wait until the queue is empty.",
                    "Exit 0: queue empty (held messages apart); 1: --timeout passed with mail still queued."})
    static final class Drain implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
                description = "How long to wait for the queue to empty (30s, 10m, 1h; 0s: do not wait). Default: ${DEFAULT-VALUE}.")
        String timeout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            Duration patience = HealthCli.duration(timeout);
            if (patience == null) {
                spec.commandLine().getErr().println("portcullis drain: --timeout takes a duration such as 30s or 10m");
                return Main.CONFIG_ERROR;
            }
            JsonNode status = send(spec, data, "drain");
            if (status == null) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("draining node " + status.path("node").asText() + ": listeners closed, " + status.path("queued").asLong()
                    + " messages queued, " + status.path("held").asLong() + " held, " + status.path("sessions").asInt()
                    + " sessions finishing");
            out.flush();
            // the longest --timeout (999999999h) holds more nanoseconds than a long: that is "as long as it takes"
            long deadline = System.nanoTime() + (patience.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : patience).toNanos();
            while (status.path("queued").asLong() > 0 || status.path("sessions").asInt() > 0) {
                if (System.nanoTime() - deadline >= 0) {
                    out.println("not drained after " + timeout + ": " + status.path("queued").asLong() + " messages still queued, "
                            + status.path("sessions").asInt() + " sessions open (the node stays drained; run again to wait more)");
                    out.flush();
                    return 1;
                }
                Thread.sleep(POLL_MILLIS);
                status = send(spec, data, "drain-status");
                if (status == null) {
                    return 1;
                }
            }
            out.println("drained: queue empty" + (status.path("held").asLong() > 0 ? " (" + status.path("held").asLong()
                    + " held messages stay)" : "") + "; portcullis undrain accepts again");
            out.flush();
            return 0;
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true,
            description = "Accept connections again after portcullis drain.")
    static final class Undrain implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode status = send(spec, data, "undrain");
            if (status == null) {
                return 1;
            }
            spec.commandLine().getOut().println("node " + status.path("node").asText() + " accepts again; "
                    + status.path("queued").asLong() + " messages queued");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** The command's result, or null after printing why there is none. */
    private static JsonNode send(CommandLine.Model.CommandSpec spec, Main.DataDirectoryOption data, String command) {
        JsonNode answer = ControlClient.send(data.path, QueueCommands.request(command, null));
        if (answer == null) {
            spec.commandLine().getErr().println("portcullis " + spec.name() + ": no gateway is running on " + data.path);
            return null;
        }
        if (!answer.path("ok").asBoolean()) {
            spec.commandLine().getErr().println("portcullis " + spec.name() + ": " + answer.path("error").asText());
            return null;
        }
        return answer.path("result");
    }
}
