package io.portcullis.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The three calls that make the spool's writes durable, in the order the protocol uses them (see
 * {@link Spool}): {@link #force} a file's written octets, {@link #rename} it into place, then
 * {@link #forceDirectory} the directory that names it. Production uses {@link #SYSTEM}, the
 * file system's own calls; the durability tests put a recorder here that keeps what a crash at
 * each step would leave on disk. One interface call per step, nothing allocated. The quarantine
 * store (io.portcullis.quarantine) makes its writes durable through the same calls.
 */
public interface DiskSync {
    /** fdatasync: the file's octets and size are on disk when this returns (timestamps may wait). */
    void force(FileChannel channel, Path file) throws IOException;

    /** An atomic rename, replacing {@code to}; durable only once the directories are forced. */
    void rename(Path from, Path to) throws IOException;

    /** Makes the renames into, out of and within {@code directory} (and files created or deleted in it) durable. */
    void forceDirectory(Path directory) throws IOException;

    DiskSync SYSTEM = new DiskSync() {
        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            channel.force(false);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces an existing target
        }

        @Override
        public void forceDirectory(Path directory) throws IOException {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    };
}
