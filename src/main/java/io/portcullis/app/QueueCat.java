package io.portcullis.app;

import io.portcullis.spool.Spool;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis queue cat ID}: the queued message's octets as they will be delivered (our
 * Received field first), like {@code postcat -q}; {@code --headers} the header section only,
 * {@code --body} what follows the empty line. Reads the committed file directly, whether or not
 * the gateway runs, and writes bytes unchanged (8-bit and UTF-8 content stays as it is).
 */
@Command(name = "cat", mixinStandardHelpOptions = true,
        description = "Print a queued message as it will be delivered (postcat -q): raw, or --headers, or --body.")
final class QueueCat implements Callable<Integer> {
    /** Where the octets go; standard output unless a test says otherwise. */
    static volatile PrintStream output = null;

    @CommandLine.Mixin
    Main.DataDirectoryOption data = new Main.DataDirectoryOption();

    @Parameters(paramLabel = "ID", description = "The queue id.")
    String id;

    @CommandLine.ArgGroup(exclusive = true)
    Part part;

    static final class Part {
        @Option(names = "--headers", description = "Only the header section.")
        boolean headers;

        @Option(names = "--body", description = "Only the body.")
        boolean body;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintStream out = output != null ? output : System.out;
        try (InputStream in = new BufferedInputStream(Spool.committedMessage(data.path.resolve("spool"), id).open())) {
            copy(in, out, part == null ? null : part.headers);
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("portcullis queue cat: " + id + ": no such message in the queue");
            return 1;
        }
        out.flush();
        return 0;
    }

    /** Copies all ({@code headers} null), the header section (true) or the body (false). */
    private static void copy(InputStream in, OutputStream out, Boolean headers) throws java.io.IOException {
        if (headers == null) {
            in.transferTo(out);
            return;
        }
        boolean inHeader = true;
        boolean lineStart = true;
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (inHeader && lineStart && (c == '\r' || c == '\n')) {
                inHeader = false; // the empty line ending the header section (RFC 5322 §2.1)
                if (c == '\r') {
                    in.mark(1);
                    if (in.read() != '\n') {
                        in.reset();
                    }
                }
                if (headers) {
                    return;
                }
                continue;
            }
            if (headers == inHeader) {
                out.write(c);
            }
            lineStart = c == '\n';
        }
    }
}
