package io.portcullis.app;

import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
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
        subcommands = {Main.Run.class, Main.CheckConfig.class, Main.DefaultConfig.class, QueueCli.class, UserCli.class, TrackCli.class, ReportCli.class,
                CommandLine.HelpCommand.class})
public final class Main {
    static final int CONFIG_ERROR = 2;

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

    @Command(name = "check-config", description = "Validate a configuration and exit (0 valid, 2 invalid).")
    static final class CheckConfig implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption config = new ConfigOption();

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
