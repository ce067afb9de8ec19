package io.portcullis.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Everything the gateway writes under its data directory is for its own user only: folders
 * {@code 0700}, files {@code 0600}, given to open(2) and mkdir(2) as the mode (the umask can only
 * take bits away, so even umask 000 gives these modes, and no chmod follows). Files are created
 * with {@code O_EXCL} where a name could have been planted ({@link #createTemporary}: a random
 * name, never a symbolic link followed); others never follow a link at the last component.
 */
public final class PrivateFiles {
    public static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    public static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    /** For {@code FileChannel.open(path, options, FILE)}: one array for every call, nothing allocated per file. */
    static final FileAttribute<?>[] FILE = {FILE_MODE};
    /** A new file; fails when the name exists, even as a dangling symbolic link. */
    static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    /** Appending, created when missing; a symbolic link in its place is refused (ELOOP). */
    static final Set<OpenOption> APPEND = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    /** DRBG: seeded once, then no system call per name (NativePRNG would read /dev/urandom). */
    private static final SecureRandom RANDOM = drbg();

    private PrivateFiles() {
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** Like {@link Files#createDirectories}; the folders it creates are {@code 0700}. */
    public static Path createDirectories(Path directory) throws IOException {
        return Files.createDirectories(directory, DIRECTORY_MODE);
    }

    /** Opens {@code file} for appending (created {@code 0600} when missing), never through a symbolic link. */
    public static FileChannel openAppend(Path file) throws IOException {
        return FileChannel.open(file, APPEND, FILE);
    }

    /**
     * Replaces {@code target} with {@code content} through a {@link #createTemporary} file renamed
     * over it, so a reader sees the old or the new file, never half of one (not forced: for files
     * that a crash may take back to their previous version).
     */
    public static void replace(Path target, byte[] content) throws IOException {
        Temporary temporary = createTemporary(target);
        boolean renamed = false;
        try {
            try (FileChannel channel = temporary.channel()) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(content);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            Files.move(temporary.file(), target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temporary.file());
            }
        }
    }

    /** A temporary file and its open channel. */
    public record Temporary(Path file, FileChannel channel) {
    }

    /**
     * A new file beside {@code target}, named {@code .NAME.RANDOM.tmp} (hidden, unpredictable),
     * created {@code 0600} with {@code O_EXCL}: a file or link planted at any name is never opened.
     */
    public static Temporary createTemporary(Path target) throws IOException {
        byte[] random = new byte[8];
        for (int attempt = 0; ; attempt++) {
            RANDOM.nextBytes(random);
            Path file = target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().formatHex(random) + ".tmp");
            try {
                return new Temporary(file, FileChannel.open(file, CREATE_NEW, FILE));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }
}
