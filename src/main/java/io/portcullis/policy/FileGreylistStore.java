package io.portcullis.policy;

import io.portcullis.spool.PrivateFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylisting store as a file in the data directory: the entries live in memory (two maps in
 * least-recently-used order, pending triplets and passed ones, together bounded by
 * {@code max-entries}, pending ones evicted first) and every change is appended to the file as one
 * line, {@code KEY FIRST LAST PASSES EXPIRES\n}.
 *
 * <p>Durability, in words: an append is one write(2) to the file, made on the session's thread
 * before the reply, without fsync. It survives a crash of the process (SIGKILL, an OOM kill); a
 * power failure or kernel crash may lose the appends made since the last compaction, and the
 * triplets among them are greylisted again. A compaction writes the live entries (passed, then
 * pending, each least recently used first, so that loading restores both orders) to
 * a new private temporary file, forces it, renames it over the log and forces the folder; it runs
 * at start-up (so a torn last line, written when the process died during an append, is dropped
 * before anything is appended after it), when the log holds more than 1,024 lines beyond twice the
 * entries (so a flood of new triplets, which the bound keeps evicting, cannot grow the file
 * without bound: at most about three lines per entry), and when the last user closes the store.
 * Loading ignores a line not ended by a newline, a line that is not five fields, and expired
 * entries.
 *
 * <p>One store per file and process: a reload builds a new check on the same file while sessions
 * of the old configuration still use the old one, so both share this store ({@link #open}, counted
 * {@link #close}).
 */
final class FileGreylistStore implements GreylistStore {
    private static final Logger log = LoggerFactory.getLogger(FileGreylistStore.class);
    /** The log is compacted once it holds this many lines more than twice the entries. */
    private static final int COMPACT_SLACK = 1024;
    private static final int MAX_LINE = 200;
    private static final Map<Path, FileGreylistStore> OPEN = new HashMap<>();

    private final Path file;
    private final Clock clock;
    /** Triplets not passed yet (what a sender that never retries fills), least recently used first. */
    private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>(1024, 0.75f, true);
    /** Passed triplets and client networks, least recently used first; evicted only when nothing is pending. */
    private final LinkedHashMap<String, Entry> passed = new LinkedHashMap<>(1024, 0.75f, true);
    private int maxEntries;
    private FileChannel channel;
    private long logLines;
    private boolean writeFailing;
    private int users = 1;

    private FileGreylistStore(Path file, int maxEntries, Clock clock) throws IOException {
        this.file = file;
        this.maxEntries = maxEntries;
        this.clock = clock;
        PrivateFiles.createDirectories(file.getParent());
        load(clock.instant().getEpochSecond());
        compact();
    }

    /** The store of {@code file}, shared with the checks of this process that already opened it. */
    static FileGreylistStore open(Path file, int maxEntries, Clock clock) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        synchronized (OPEN) {
            FileGreylistStore store = OPEN.get(key);
            if (store != null) {
                synchronized (store) {
                    store.users++;
                    store.maxEntries = maxEntries; // the newest configuration's bound
                }
                return store;
            }
            store = new FileGreylistStore(key, maxEntries, clock);
            OPEN.put(key, store);
            return store;
        }
    }

    @Override
    public synchronized Entry get(String key, long now) {
        Entry entry = pending.get(key);
        if (entry == null) {
            entry = passed.get(key);
        }
        if (entry != null && entry.expires() <= now) {
            remove(key);
            return null;
        }
        return entry;
    }

    @Override
    public synchronized void put(String key, Entry entry) {
        hold(key, entry);
        append(line(key, entry));
        if (logLines > COMPACT_SLACK + 2L * size()) {
            evictExpired(clock.instant().getEpochSecond());
            compact();
        }
    }

    /**
     * Keeps {@code entry} in memory within the bound: past {@code max-entries} the least recently
     * used pending triplet goes first, so that a flood of triplets that are never retried cannot
     * push out the passed ones; a passed entry goes only when nothing is pending.
     */
    private void hold(String key, Entry entry) {
        if (entry.passes() == 0) {
            passed.remove(key);
            pending.put(key, entry);
        } else {
            pending.remove(key);
            passed.put(key, entry);
        }
        while (size() > maxEntries) {
            LinkedHashMap<String, Entry> from = pending.isEmpty() ? passed : pending;
            Iterator<String> eldest = from.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    private void remove(String key) {
        if (pending.remove(key) == null) {
            passed.remove(key);
        }
    }

    @Override
    public synchronized void evictExpired(long now) {
        pending.values().removeIf(entry -> entry.expires() <= now);
        passed.values().removeIf(entry -> entry.expires() <= now);
    }

    @Override
    public synchronized int size() {
        return pending.size() + passed.size();
    }

    @Override
    public void close() {
        synchronized (OPEN) {
            synchronized (this) {
                if (--users > 0) {
                    return;
                }
                OPEN.remove(file);
                evictExpired(clock.instant().getEpochSecond());
                compact();
                closeChannel();
            }
        }
    }

    private void append(byte[] line) {
        if (channel == null) {
            return;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            logLines++;
            writeFailing = false;
        } catch (IOException e) {
            if (!writeFailing) {
                log.warn("greylisting: cannot append to {} (kept in memory only): {}", file, e.toString());
                writeFailing = true;
            }
        }
    }

    /** Rewrites the log as the live entries, eldest first; on failure keeps appending to the old one. */
    private void compact() {
        PrivateFiles.Temporary temporary = null;
        try {
            temporary = PrivateFiles.createTemporary(file);
            try (FileChannel out = temporary.channel();
                 OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(out), 64 * 1024)) {
                for (Map.Entry<String, Entry> entry : passed.entrySet()) {
                    stream.write(line(entry.getKey(), entry.getValue()));
                }
                for (Map.Entry<String, Entry> entry : pending.entrySet()) {
                    stream.write(line(entry.getKey(), entry.getValue()));
                }
                stream.flush();
                out.force(true);
            }
            Files.move(temporary.file(), file, StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
            try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
            closeChannel();
            channel = PrivateFiles.openAppend(file);
            logLines = size();
        } catch (IOException e) {
            log.warn("greylisting: cannot compact {}: {}", file, e.toString());
            logLines = size(); // try again after as many appends as a compaction would allow
            if (channel == null) {
                try {
                    channel = PrivateFiles.openAppend(file);
                } catch (IOException again) {
                    log.warn("greylisting: cannot open {} (kept in memory only): {}", file, again.toString());
                }
            }
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary.file());
                } catch (IOException e) {
                    log.debug("greylisting: removing {}: {}", temporary.file(), e.toString());
                }
            }
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("greylisting: closing {}: {}", file, e.toString());
            }
            channel = null;
        }
    }

    /** Replays the log: complete lines only, the last state of each key, expired entries dropped. */
    private void load(long now) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        long lines = 0;
        long skipped = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), 64 * 1024)) {
            byte[] line = new byte[MAX_LINE];
            int length = 0;
            boolean overlong = false;
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b != '\n') {
                    if (length < MAX_LINE) {
                        line[length++] = (byte) b;
                    } else {
                        overlong = true;
                    }
                    continue;
                }
                lines++;
                if (overlong || !replay(new String(line, 0, length, StandardCharsets.US_ASCII), now)) {
                    skipped++;
                }
                length = 0;
                overlong = false;
            }
            if (length > 0 || overlong) {
                skipped++; // the torn last line of a process that died while appending
            }
        } catch (NoSuchFileException e) {
            return;
        }
        log.info("greylisting: {} entries from {} ({} lines, {} unreadable)", size(), file, lines, skipped);
    }

    /** One line; false when it is not an entry. An expired entry is a valid line that removes the key. */
    private boolean replay(String text, long now) {
        String[] fields = text.split(" ", -1);
        if (fields.length != 5 || !isKey(fields[0])) {
            return false;
        }
        try {
            Entry entry = new Entry(Long.parseLong(fields[1]), Long.parseLong(fields[2]), Integer.parseInt(fields[3]),
                    Long.parseLong(fields[4]));
            if (entry.expires() <= now) {
                remove(fields[0]);
            } else {
                hold(fields[0], entry);
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isKey(String key) {
        if (key.isEmpty() || key.length() > 64) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static byte[] line(String key, Entry entry) {
        return (key + ' ' + entry.firstSeen() + ' ' + entry.lastSeen() + ' ' + entry.passes() + ' ' + entry.expires() + '\n')
                .getBytes(StandardCharsets.US_ASCII);
    }
}
