package io.portcullis.app;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs the {@code portcullis} command line in-process, for tests outside this package. */
public final class CliAccess {
    private CliAccess() {
    }

    public static int run(List<String> args, PrintWriter out, PrintWriter err) {
        CommandLine cli = Main.commandLine();
        cli.setOut(out);
        cli.setErr(err);
        int code = cli.execute(args.toArray(String[]::new));
        out.flush();
        err.flush();
        return code;
    }
}
