package io.portcullis.app;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start-up, takes group and other access away from everything in the data directory: what the
 * gateway creates is {@code 0700}/{@code 0600} already ({@code spool/PrivateFiles}), but a data
 * directory written by an older version, restored from a backup or created by hand may be wider.
 * Symbolic links are neither followed nor changed. One stat per file, at start-up only.
 */
final class DataDirectoryPermissions {
    private static final Logger log = LoggerFactory.getLogger(DataDirectoryPermissions.class);
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.complementOf(EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private DataDirectoryPermissions() {
    }

    /** Answers how many directories and files were tightened; logs a warning when there were any. */
    static int tighten(Path dataDirectory) throws IOException {
        int[] changed = new int[2];
        Files.walkFileTree(dataDirectory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) throws IOException {
                changed[0] += ownerOnly(directory) ? 1 : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) { // not links; the control socket is made anew, 0600, at start
                    changed[1] += ownerOnly(file) ? 1 : 0;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                log.warn("data directory: cannot check the mode of {}: {}", file, e.toString());
                return FileVisitResult.CONTINUE; // removed meanwhile, or unreadable: the rest still gets tightened
            }
        });
        if (changed[0] + changed[1] > 0) {
            log.warn("data directory {}: took group and other access away from {} directories and {} files"
                    + " (the gateway keeps its data to its own user: directories 0700, files 0600)",
                    dataDirectory.toAbsolutePath(), changed[0], changed[1]);
        }
        return changed[0] + changed[1];
    }

    private static boolean ownerOnly(Path path) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!permissions.removeAll(NOT_OWNER)) {
            return false;
        }
        view.setPermissions(permissions); // fchmodat on the name, the link itself never followed
        return true;
    }
}
