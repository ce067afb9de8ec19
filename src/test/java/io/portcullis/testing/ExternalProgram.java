package io.portcullis.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Programs that no one here wrote (swaks, Postfix's smtp-source), run as real peers. A missing
 * program skips its test with a loud line naming it and its Debian package; under CI (CI=true)
 * it fails instead, because bin/test installs them there.
 */
public final class ExternalProgram {
    private static final List<String> EXTRA_DIRECTORIES = List.of("/usr/sbin", "/sbin", "/usr/local/sbin");

    private ExternalProgram() {
    }

    /** What a finished program printed and returned. */
    public record Result(int exitCode, String output) {
    }

    /** The program's path; skips (or, in CI, fails) the calling test when it is not installed. */
    public static String require(String program, String debianPackage) {
        List<String> directories = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        directories.addAll(EXTRA_DIRECTORIES);
        for (String directory : directories) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        unavailable("'" + program + "' is not installed (Debian package " + debianPackage
                + "; bin/test installs it when run as root)");
        return null;
    }

    /** Skips the calling test with a loud line, or fails it under CI, where everything must run. */
    public static void unavailable(String message) {
        if (isCi()) {
            fail("CI must run every interop test, but " + message);
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || "true".equalsIgnoreCase(System.getProperty("portcullis.ci"));
    }

    /** Runs a command to completion, or kills it after {@code timeout} and fails the test. */
    public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, null, command);
    }

    /**
     * Runs a command with {@code input} on its standard input (null: none) to completion. Input is
     * written and output (standard error merged in) drained on threads of their own, so a program
     * that writes before it has read everything cannot block on a full pipe; at the deadline the
     * program and its children are killed and the test fails.
     */
    public static Result run(Duration timeout, byte[] input, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input);
                }
            } catch (IOException e) {
                // the program exited without reading all of it; its exit code and output tell why
            }
        });
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var stdout = process.getInputStream()) {
                stdout.transferTo(output);
            } catch (IOException e) {
                // killed: what was read so far stays
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        // A child that inherited the pipe may keep it open after the program exits: bounded too.
        finished = finished && reader.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(Duration.ofSeconds(5));
            fail(String.join(" ", command) + " did not finish within " + timeout + "; output so far:\n"
                    + output.toString(StandardCharsets.UTF_8));
        }
        writer.join(Duration.ofSeconds(5));
        return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }
}
