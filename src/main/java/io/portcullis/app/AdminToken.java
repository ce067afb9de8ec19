package io.portcullis.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin API token when the configuration gives none: generated on first start into
 * {@code admin-token} in the data directory (mode 0600) and printed once, then read back.
 */
final class AdminToken {
    private AdminToken() {
    }

    static String loadOrCreate(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve("admin-token");
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        // Printed once, on the console only (not through the log), so the administrator can copy it.
        System.out.println("Portcullis admin API token (also in " + file + "): " + token);
        return token;
    }
}
