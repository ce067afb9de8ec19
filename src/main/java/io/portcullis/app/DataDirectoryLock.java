package io.portcullis.app;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import io.portcullis.spool.PrivateFiles;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The exclusive lock on a data directory: one process at a time owns a spool, whether it is a
 * running gateway or a queue command working while none runs. The OS releases it when the
 * process dies, even by SIGKILL.
 */
final class DataDirectoryLock implements AutoCloseable {
    private final FileChannel channel;

    private DataDirectoryLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Takes the lock, or returns null when another process holds it. */
    static DataDirectoryLock tryLock(Path dataDirectory) throws IOException {
        PrivateFiles.createDirectories(dataDirectory);
        FileChannel channel = FileChannel.open(dataDirectory.resolve("portcullis.lock"), Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PrivateFiles.FILE_MODE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            return null;
        }
        return new DataDirectoryLock(channel);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
