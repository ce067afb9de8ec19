package io.portcullis.app;

import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.listener.Renegotiation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code portcullis} command line. Exit codes: 0 fine, 1 runtime failure, 2 bad configuration. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Perimeter SMTP mail gateway.",
        subcommands = {Main.Run.class, Main.CheckConfig.class, Main.Reload.class, Main.Status.class, Main.DefaultConfig.class, QueueCli.class, QuarantineCli.class, UserCli.class, TrackCli.class, ReportCli.class,
                TlsCli.Records.class, TlsCli.Reports.class, DrainCli.Drain.class, DrainCli.Undrain.class,
                HealthCli.class, ManPage.class, picocli.AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Main {
    static final String VERSION = "Portcullis 0.1.0";
    static final int CONFIG_ERROR = 2;

    static {
        // Before any TLS class loads: the JDK reads this once (listener/Renegotiation).
        Renegotiation.refuseClientInitiated();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    /** Options shared by commands that read the configuration. */
    static final class ConfigOption {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_CONFIG}",
                description = "YAML configuration file (default: $PORTCULLIS_CONFIG); without either, the embedded default runs.")
        Path file;

        GatewayConfig load() throws ConfigException {
            return file == null ? ConfigLoader.embeddedDefault() : ConfigLoader.load(file);
        }
    }

    /** {@code --data-dir}, shared by every command that works on a gateway's state. */
    static final class DataDirectoryOption {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:PORTCULLIS_DATA_DIR:-portcullis-data}",
                description = "The data directory, where all state lives: spool, certificates, users, logs, reports "
                        + "(default: $PORTCULLIS_DATA_DIR, else portcullis-data).")
        Path path;
    }

    static int reportConfigErrors(ConfigException e, PrintWriter err) {
        err.println("portcullis: configuration rejected:");
        e.errors().forEach(error -> err.println("  " + error));
        err.flush();
        return CONFIG_ERROR;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the gateway until stopped.")
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config = new ConfigOption();

        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            GatewayConfig loaded;
            try {
                loaded = config.load();
            } catch (ConfigException e) {
                return reportConfigErrors(e, spec.commandLine().getErr());
            }
            Gateway gateway;
            try {
                gateway = Gateway.start(loaded, data.path);
            } catch (java.io.IOException e) {
                spec.commandLine().getErr().println("portcullis: cannot start: " + e.getMessage());
                return 1;
            }
            reloadOnSighup(gateway);
            CountDownLatch stopRequested = new CountDownLatch(1);
            stopOnSignal("TERM", stopRequested);
            stopOnSignal("INT", stopRequested);
            // any other way out (System.exit elsewhere, a signal we could not handle) still closes the spool
            Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "shutdown"));
            PrintWriter out = spec.commandLine().getOut();
            out.println("Portcullis is running on the " + loaded.source() + " configuration; data in "
                    + data.path.toAbsolutePath().normalize());
            gateway.listeners().forEach(listener -> out.println("  listener " + listener.name() + " on "
                    + listener.boundAddresses()));
            out.flush();
            stopRequested.await();
            gateway.shutdown();
            return 0;
        }
    }

    /**
     * SIGTERM and SIGINT start the graceful stop (see {@link GracefulStop}) on the main thread, which
     * then exits with status 0: a service manager sees a clean stop, not a death by signal.
     */
    @SuppressWarnings("restriction")
    static void stopOnSignal(String name, CountDownLatch stopRequested) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stopRequested.countDown());
        } catch (IllegalArgumentException e) {
            System.err.println("portcullis: SIG" + name + " cannot be handled here; it stops the gateway without waiting");
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true, description = "Make the running gateway re-read its configuration (like SIGHUP).")
    static final class Reload implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirectoryOption data = new DataDirectoryOption();

        @Option(names = "--config", paramLabel = "FILE", description = "Load this file instead of the one the gateway runs.")
        Path file;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var request = QueueCommands.request("reload", null);
            if (file != null) {
                request.put("path", file.toAbsolutePath().toString());
            }
            var answer = ControlClient.send(data.path, request);
            if (answer == null) {
                spec.commandLine().getErr().println("portcullis reload: no gateway is running on " + data.path);
                return 1;
            }
            if (!answer.path("ok").asBoolean()) {
                spec.commandLine().getErr().println("portcullis reload: configuration rejected, the old one stays:");
                spec.commandLine().getErr().println("  " + answer.path("error").asText().replace("\n", "\n  "));
                return CONFIG_ERROR;
            }
            printChanges(answer.path("result"), "reloaded", spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the running gateway: version, listeners, spool, queue by flow and state, connectors.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirectoryOption data = new DataDirectoryOption();

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var answer = ControlClient.send(data.path, QueueCommands.request("status", null));
            if (answer == null) {
                spec.commandLine().getErr().println("portcullis status: no gateway is running on " + data.path);
                return 3; // as systemctl status: not running
            }
            var status = answer.path("result");
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(status.toPrettyString());
                out.flush();
                return 0;
            }
            out.println(status.path("version").asText() + ", " + (status.path("ready").asBoolean() ? "ready" : "NOT READY")
                    + (status.path("draining").asBoolean() ? " (DRAINING)" : "") + ", node " + status.path("node").asText()
                    + ", configuration " + status.path("configuration").asText());
            for (var listener : status.path("listeners")) {
                out.printf("listener  %-12s flow %-9s %-4s %s%n", listener.path("name").asText(), listener.path("flow").asText(),
                        listener.path("up").asBoolean() ? "up" : "DOWN", listener.path("addresses"));
            }
            var spool = status.path("spool");
            out.println("spool     " + (spool.path("writable").asBoolean() ? "writable" : "NOT WRITABLE") + ", "
                    + (spool.path("freeSpaceAboveMinimum").asBoolean() ? "free space above min-free-space" : "BELOW min-free-space"));
            if (status.path("queue").isEmpty()) {
                out.println("queue     empty");
            }
            status.path("queue").properties().forEach(flow -> out.println("queue     " + flow.getKey() + ": "
                    + flow.getValue().path("messages").asInt() + " (" + states(flow.getValue()) + ")"));
            status.path("connectors").properties().forEach(connector -> out.printf(
                    "connector %-12s %d attempts, %d delivered, %d deferred, %d bounced, %d expired%n", connector.getKey(),
                    connector.getValue().path("attempts").asLong(), connector.getValue().path("delivered").asLong(),
                    connector.getValue().path("deferred").asLong(), connector.getValue().path("bounced").asLong(),
                    connector.getValue().path("expired").asLong()));
            out.flush();
            return 0;
        }

        private static String states(com.fasterxml.jackson.databind.JsonNode byState) {
            List<String> parts = new java.util.ArrayList<>();
            byState.properties().forEach(state -> {
                if (!state.getKey().equals("messages")) {
                    parts.add(state.getValue().asInt() + " " + state.getKey());
                }
            });
            return String.join(", ", parts);
        }
    }

    static void printChanges(com.fasterxml.jackson.databind.JsonNode changes, String verb, PrintWriter out) {
        if (changes.isEmpty()) {
            out.println(verb + ": no changes");
        }
        for (var change : changes) {
            out.println(verb + ": " + change.asText());
        }
        out.flush();
    }

    /** SIGHUP re-reads the configuration, as mail servers have always done. */
    @SuppressWarnings("restriction")
    static void reloadOnSighup(Gateway gateway) {
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    signal -> Thread.ofVirtual().name("reload").start(gateway::reloadFromSource));
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // Started with SIGHUP ignored (nohup, some supervisors): the JVM keeps it ignored.
                System.err.println("portcullis: SIGHUP is ignored in this process (started under nohup?), so it"
                        + " will not reload; use portcullis reload");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("portcullis: SIGHUP is not available here; use portcullis reload");
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validate a configuration and exit (0 valid, 2 invalid); with a "
            + "running gateway on --data-dir, also print what a reload would change.")
    static final class CheckConfig implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config = new ConfigOption();

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Compare with the gateway running on this data directory.")
        Path dataDirectory;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try {
                GatewayConfig loaded = config.load();
                PrintWriter out = spec.commandLine().getOut();
                out.println(loaded.source() + ": configuration OK");
                loaded.listeners().forEach(l -> out.println("  listener " + l.name() + " (flow " + l.flow() + ") on "
                        + l.bind() + (l.tls() != null ? ", STARTTLS" : "")));
                if (dataDirectory != null) {
                    var request = QueueCommands.request("diff-config", null);
                    request.put("path", config.file == null ? null : config.file.toAbsolutePath().toString());
                    var answer = ControlClient.send(dataDirectory, request);
                    if (answer != null && answer.path("ok").asBoolean()) {
                        printChanges(answer.path("result"), "a reload would change", out);
                    }
                }
                out.flush();
                return 0;
            } catch (ConfigException e) {
                return reportConfigErrors(e, spec.commandLine().getErr());
            }
        }
    }

    @Command(name = "default-config", mixinStandardHelpOptions = true, description = "Print the embedded default configuration, to start your own from.")
    static final class DefaultConfig implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(ConfigLoader.embeddedDefaultText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
