package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.ExternalProgram;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;

/** dkimpy (Debian python3-dkim), an independent DKIM verifier, fetching keys from a DNS server on loopback. */
final class Dkimpy {
    private Dkimpy() {
    }

    /** dkimpy's verdict per signature, as "ALGORITHM DOMAIN pass|fail". */
    static List<String> verify(String message, int dnsPort) throws Exception {
        ExternalProgram.require("dkimverify", "python3-dkim");
        Path script = Files.createTempFile("dkim-verify", ".py");
        try (InputStream in = Dkimpy.class.getResourceAsStream("dkim-verify.py")) {
            Files.write(script, in.readAllBytes());
        }
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(30),
                message.getBytes(StandardCharsets.ISO_8859_1), "/usr/bin/python3", script.toString(), String.valueOf(dnsPort));
        Files.delete(script);
        String output = result.output();
        assertThat(result.exitCode()).as(output).isZero();
        return output.lines().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
    }
}
