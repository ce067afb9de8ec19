package io.portcullis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.ExternalProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package and the service unit as an admin gets them: built once per class by
 * {@code bin/package-deb} from the jar Maven just shaded (so this class runs in the
 * {@code integration-test} phase of {@code mvn verify}, tag {@code packaging}), checked by
 * lintian and {@code systemd-analyze verify}, unpacked, and installed into a throw-away root where
 * the gateway runs on port 25 as the {@code portcullis} user.
 */
@Tag("packaging")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PackagingTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path JAR = ROOT.resolve("target/portcullis.jar");

    private Path deb;

    @TempDir
    Path directory;

    @BeforeAll
    void buildThePackageOnce() throws Exception {
        ExternalProgram.require("dpkg-deb", "dpkg");
        if (!Files.isRegularFile(JAR)) {
            ExternalProgram.unavailable(JAR + " is missing: run this class with `mvn verify` (the jar is shaded at package)");
        }
        var built = ExternalProgram.run(Duration.ofMinutes(5), "env", "PORTCULLIS_JAR=" + JAR,
                ROOT.resolve("bin/package-deb").toString());
        assertThat(built.exitCode()).as("bin/package-deb printed:\n" + built.output()).isZero();
        String[] lines = built.output().strip().split("\n");
        deb = Path.of(lines[lines.length - 1]);
        assertThat(deb).isRegularFile();
    }

    @Test
    void unitPassesSystemdAnalyzeVerify() throws Exception {
        String analyze = ExternalProgram.require("systemd-analyze", "systemd");
        // a root holding the system's units (for the targets it names) and the launcher it runs
        Path root = directory.resolve("verify-root");
        Files.createDirectories(root.resolve("lib/systemd/system"));
        Files.createDirectories(root.resolve("usr/bin"));
        try (var units = Files.list(Path.of("/lib/systemd/system"))) {
            for (Path unit : units.filter(Files::isRegularFile).toList()) {
                Files.copy(unit, root.resolve("lib/systemd/system").resolve(unit.getFileName()));
            }
        }
        Files.copy(ROOT.resolve("packaging/systemd/portcullis.service"), root.resolve("lib/systemd/system/portcullis.service"));
        Files.copy(ROOT.resolve("packaging/debian/portcullis"), root.resolve("usr/bin/portcullis"));
        var verified = ExternalProgram.run(Duration.ofMinutes(2), analyze, "verify", "--man=no", "--root=" + root,
                "portcullis.service");
        // verify only warns about an unknown key or a bad value ("..., ignoring"): any line is a finding
        assertThat(verified.output().strip()).as("systemd-analyze verify").isEmpty();
        assertThat(verified.exitCode()).isZero();
    }

    @Test
    void packagePassesLintianWithoutErrors() throws Exception {
        String lintian = ExternalProgram.require("lintian", "lintian");
        var checked = ExternalProgram.run(Duration.ofMinutes(5), lintian, "--tag-display-limit", "0", "-I", deb.toString());
        System.out.println("lintian " + deb.getFileName() + ":\n" + checked.output());
        List<String> errors = checked.output().lines().filter(line -> line.startsWith("E: ")).toList();
        assertThat(errors).as("lintian errors").isEmpty();
    }

    @Test
    void packageHoldsTheServiceTheLauncherTheConfigurationAndTheDocumentation() throws Exception {
        Path unpacked = directory.resolve("unpacked");
        var extracted = ExternalProgram.run(Duration.ofMinutes(2), "dpkg-deb", "-x", deb.toString(), unpacked.toString());
        assertThat(extracted.exitCode()).as(extracted.output()).isZero();
        assertThat(mode(unpacked.resolve("usr/bin/portcullis"))).isEqualTo("rwxr-xr-x");
        assertThat(unpacked.resolve("usr/share/portcullis/portcullis.jar")).hasSameBinaryContentAs(JAR);
        assertThat(unpacked.resolve("lib/systemd/system/portcullis.service"))
                .hasSameTextualContentAs(ROOT.resolve("packaging/systemd/portcullis.service"));
        for (String file : List.of("usr/share/man/man1/portcullis.1.gz", "usr/share/bash-completion/completions/portcullis",
                "usr/share/doc/portcullis/copyright", "usr/share/doc/portcullis/changelog.Debian.gz",
                "usr/share/doc/portcullis/examples/portcullis.example.yaml.gz", "etc/default/portcullis")) {
            assertThat(unpacked.resolve(file)).as(file).isRegularFile();
        }
        // the packaged configuration is valid as shipped (the service starts after install)
        assertThat(ConfigLoader.load(unpacked.resolve("etc/portcullis/portcullis.yaml")).listeners())
                .extracting(listener -> listener.bind().toString()).contains("[0.0.0.0/0.0.0.0:25]");
        var control = ExternalProgram.run(Duration.ofMinutes(1), "dpkg-deb", "-f", deb.toString(), "Depends", "Architecture");
        assertThat(control.output()).contains("default-jre-headless (>= 2:1.21)").contains("adduser").contains("Architecture: all");
        Path control2 = directory.resolve("control");
        var ctrl = ExternalProgram.run(Duration.ofMinutes(1), "dpkg-deb", "-e", deb.toString(), control2.toString());
        assertThat(ctrl.exitCode()).as(ctrl.output()).isZero();
        assertThat(Files.readAllLines(control2.resolve("conffiles")))
                .containsExactlyInAnyOrder("/etc/portcullis/portcullis.yaml", "/etc/default/portcullis");
        for (String script : List.of("postinst", "prerm", "postrm")) {
            var syntax = ExternalProgram.run(Duration.ofMinutes(1), "sh", "-n", control2.resolve(script).toString());
            assertThat(syntax.exitCode()).as(script + ": " + syntax.output()).isZero();
        }
        var completion = ExternalProgram.run(Duration.ofMinutes(1), "bash", "-c",
                ". " + unpacked.resolve("usr/share/bash-completion/completions/portcullis") + " && complete -p portcullis");
        assertThat(completion.output()).contains("portcullis");
        var man = ExternalProgram.run(Duration.ofMinutes(1), "sh", "-c",
                "zcat " + unpacked.resolve("usr/share/man/man1/portcullis.1.gz"));
        assertThat(man.output()).contains(".SS \"portcullis queue list\"").contains(".SS \"portcullis health\"")
                .contains("PORTCULLIS_DATA_DIR").doesNotContain("${DEFAULT-VALUE}");
    }

    /**
     * {@code packaging/test/throwaway-install.sh} in new mount, network and PID namespaces: dpkg
     * installs the package into an overlay of this machine's root, the gateway runs as the unit
     * says (user, environment, capability, readiness check), answers SMTP on port 25 and
     * {@code /health}, reloads, stops gracefully with exit 0, and purge removes it.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void installsIntoAThrowAwayRootAndRunsOnPort25AsPortcullis() throws Exception {
        String unshare = ExternalProgram.require("unshare", "util-linux");
        if (!"root".equals(System.getProperty("user.name"))) {
            skip("installing into a throw-away root needs root (namespaces, overlayfs, dpkg)");
        }
        var probe = ExternalProgram.run(Duration.ofMinutes(1), unshare, "--mount", "--net", "--pid", "--fork", "true");
        if (probe.exitCode() != 0) {
            skip("this machine refuses new namespaces (" + probe.output().strip() + ")");
        }
        var run = ExternalProgram.run(Duration.ofMinutes(9), unshare, "--mount", "--net", "--pid", "--fork", "--mount-proc",
                ROOT.resolve("packaging/test/throwaway-install.sh").toString(), deb.toString());
        System.out.println(run.output());
        List<String> checks = run.output().lines().filter(line -> line.startsWith("CHECK ")).toList();
        if (checks.contains("CHECK overlay: FAIL")) {
            skip("overlayfs is not available here");
        }
        assertThat(checks.stream().map(line -> line.replaceAll(":.*", "")).toList()).as(run.output()).containsExactly(
                Arrays.stream(("install system-user data-directory config-mode unit-verifies man-page completion ready"
                        + " runs-as-portcullis smtp-on-port-25 health-over-http reload admin-as-root graceful-stop purge")
                        .split(" ")).map(name -> "CHECK " + name).toArray(String[]::new));
        assertThat(checks).as(run.output()).allMatch(line -> line.contains(": ok"));
        assertThat(run.exitCode()).isZero();
    }

    /** A machine that cannot host the check (no root, no namespaces): skipped loudly, also under CI. */
    private static void skip(String why) {
        System.err.println("SKIPPED: " + why);
        Assumptions.abort(why);
    }

    private static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
