package io.portcullis.app;

import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.listener.Renegotiation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code portcullis} command line. Exit codes: 0 fine, 1 runtime failure, 2 bad configuration. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, version = "Portcullis 0.1.0",
        description = "Perimeter SMTP mail gateway.",
        subcommands = {Main.Run.class, Main.CheckConfig.class, Main.Reload.class, Main.DefaultConfig.class, QueueCli.class, QuarantineCli.class, UserCli.class, TrackCli.class, ReportCli.class,
                TlsCli.Records.class, TlsCli.Reports.class,
                CommandLine.HelpCommand.class})
public final class Main {
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
        @Option(names = "--config", paramLabel = "FILE",
                description = "YAML configuration file; without it the embedded default runs.")
        Path file;

        GatewayConfig load() throws ConfigException {
            return file == null ? ConfigLoader.embeddedDefault() : ConfigLoader.load(file);
        }
    }

    /** {@code --data-dir}, shared by every command that works on a gateway's state. */
    static final class DataDirectoryOption {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "portcullis-data",
                description = "The data directory, where all state lives: spool, certificates, users, logs, reports "
                        + "(default: ${DEFAULT-VALUE}).")
        Path path;
    }

    static int reportConfigErrors(ConfigException e, PrintWriter err) {
        err.println("portcullis: configuration rejected:");
        e.errors().forEach(error -> err.println("  " + error));
        err.flush();
        return CONFIG_ERROR;
    }

    @Command(name = "run", description = "Run the gateway until stopped.")
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
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                gateway.close();
                stopped.countDown();
            }, "shutdown"));
            PrintWriter out = spec.commandLine().getOut();
            out.println("Portcullis is running on the " + loaded.source() + " configuration; data in "
                    + data.path.toAbsolutePath().normalize());
            gateway.listeners().forEach(listener -> out.println("  listener " + listener.name() + " on "
                    + listener.boundAddresses()));
            out.flush();
            stopped.await();
            return 0;
        }
    }

    @Command(name = "reload", description = "Make the running gateway re-read its configuration (like SIGHUP).")
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
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    signal -> Thread.ofVirtual().name("reload").start(gateway::reloadFromSource));
        } catch (IllegalArgumentException e) {
            System.err.println("portcullis: SIGHUP is not available here; use portcullis reload");
        }
    }

    @Command(name = "check-config", description = "Validate a configuration and exit (0 valid, 2 invalid); with a "
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

    @Command(name = "default-config", description = "Print the embedded default configuration, to start your own from.")
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
