package io.portcullis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The container image from {@code bin/package-image} (podman, no daemon, no base image): it
 * builds, and where this machine can run containers it starts as the non-root user, answers SMTP,
 * its HEALTHCHECK (the admin server's {@code /health}) passes, and {@code podman stop} is a
 * graceful stop with exit status 0. Runs after the jar is shaded (tag {@code packaging}).
 */
@Tag("packaging")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerImageTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path JAR = ROOT.resolve("target/portcullis.jar");
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String image = "localhost/portcullis:test-" + suffix;
    private final String container = "portcullis-test-" + suffix;
    private String podman;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void imageRunsAsNonRootAnswersSmtpAndPassesItsHealthcheck() throws Exception {
        podman = ExternalProgram.require("podman", "podman");
        if (!Files.isRegularFile(JAR)) {
            ExternalProgram.unavailable(JAR + " is missing: run this class with `mvn verify` (the jar is shaded at package)");
        }
        var built = ExternalProgram.run(Duration.ofMinutes(6), "env", "PORTCULLIS_JAR=" + JAR,
                "PORTCULLIS_IMAGE_TAG=test-" + suffix, ROOT.resolve("bin/package-image").toString());
        assertThat(built.exitCode()).as("bin/package-image printed:\n" + built.output()).isZero();
        var config = ExternalProgram.run(Duration.ofMinutes(1), podman, "image", "inspect", "--format",
                "{{.Config.User}} {{json .Config.Volumes}} {{json .Config.Healthcheck}}", image);
        assertThat(config.output()).contains("10001:10001").contains("/var/lib/portcullis").contains("/health");

        String runtime = start();
        var port = ExternalProgram.run(Duration.ofMinutes(1), podman, "port", container, "2525/tcp");
        int smtpPort = Integer.parseInt(port.output().strip().replaceAll(".*:", ""));
        Eventually.await(Duration.ofMinutes(3), "the container answers SMTP", () -> {
            try (SmtpScript smtp = SmtpScript.connect(smtpPort)) {
                smtp.expect("220 mx.example.test ESMTP").send("EHLO client.test").expect("250 ").send("QUIT").expect("221");
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        var health = ExternalProgram.run(Duration.ofMinutes(2), podman, "--runtime", runtime, "healthcheck", "run", container);
        assertThat(health.exitCode()).as("podman healthcheck run: " + health.output()).isZero();
        var top = ExternalProgram.run(Duration.ofMinutes(1), podman, "top", container, "user", "args");
        assertThat(top.output()).as("the gateway's user").containsPattern("(?m)^portcullis\\s+/opt/java/bin/java");

        var stop = ExternalProgram.run(Duration.ofMinutes(2), podman, "--runtime", runtime, "stop", "-t", "60", container);
        assertThat(stop.exitCode()).as(stop.output()).isZero();
        var exit = ExternalProgram.run(Duration.ofMinutes(1), podman, "inspect", "--format", "{{.State.ExitCode}}", container);
        var logs = ExternalProgram.run(Duration.ofMinutes(1), podman, "logs", container);
        assertThat(exit.output().strip()).as(logs.output()).isEqualTo("0");
        assertThat(logs.output()).contains("shutdown: done; left: 0 sessions closed with 421");
    }

    /**
     * Starts the container with the default OCI runtime, or runc (crun refuses hybrid cgroups);
     * descriptor and process limits within this machine's own (a container without
     * CAP_SYS_RESOURCE cannot raise them). Returns the runtime; skips loudly when none can run it.
     */
    private String start() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String runtime : List.of("crun", "runc")) {
            if (!Files.isExecutable(Path.of("/usr/bin", runtime)) && !Files.isExecutable(Path.of("/usr/sbin", runtime))) {
                continue;
            }
            var run = ExternalProgram.run(Duration.ofMinutes(2), podman, "--runtime", runtime, "run", "-d", "--name", container,
                    "--health-interval=disable", "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096",
                    "-p", "127.0.0.1::2525", image);
            if (run.exitCode() == 0) {
                return runtime;
            }
            failures.add(runtime + ": " + run.output().strip());
            ExternalProgram.run(Duration.ofMinutes(1), podman, "rm", "-f", "-v", container);
        }
        String why = "podman cannot run containers here (" + String.join("; ", failures) + ")";
        System.err.println("SKIPPED: " + why);
        Assumptions.abort(why);
        return null;
    }

    @AfterAll
    void removeTheContainerAndImage() throws Exception {
        if (podman != null) {
            ExternalProgram.run(Duration.ofMinutes(2), podman, "rm", "-f", "-v", container);
            ExternalProgram.run(Duration.ofMinutes(2), podman, "rmi", "-f", image);
        }
    }
}
