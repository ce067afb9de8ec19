package io.portcullis.app;

import io.portcullis.config.AdminConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin API token when the configuration gives none: generated on first start into
 * {@code admin-token} in the data directory and printed once, then read back.
 *
 * <p>The file is written whole or not at all: a temporary file created with mode 0600, written,
 * fsync'd, renamed over {@code admin-token}, then the directory fsync'd. A file that holds no usable
 * token (empty, short, spaces inside) stops the start with an error naming it; it is never replaced
 * silently, since the administrator may have put a token there on purpose.
 */
final class AdminToken {
    static final String FILE_NAME = "admin-token";

    private AdminToken() {
    }

    static String loadOrCreate(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(FILE_NAME);
        if (Files.exists(file)) {
            // Read as Latin-1, which decodes any octets: a non-ASCII token is refused below, naming the file.
            String token = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).strip();
            String problem = AdminConfig.tokenProblem(token);
            if (problem != null) {
                throw new IOException(file.toAbsolutePath() + ": no usable admin token (" + problem
                        + "); put a token of at least " + AdminConfig.MIN_TOKEN_LENGTH
                        + " characters there, or delete the file to have one generated");
            }
            return token;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        writeAtomically(file, token + "\n");
        // Printed once, and only to a terminal, so the administrator can copy it; under systemd or
        // podman standard output is a log (the journal), and a secret never goes into a log.
        if (System.console() != null) {
            System.out.println("Portcullis admin API token (also in " + file + "): " + token);
        } else {
            System.out.println("Portcullis admin API token generated into " + file + " (mode 0600)");
        }
        return token;
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(temporary); // left by a crash between create and rename
        try (FileChannel channel = FileChannel.open(temporary, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
