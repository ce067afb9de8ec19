package io.portcullis.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A {@link DiskSync} that renames for real, records every call, and keeps a model of what a power
 * failure would leave on disk: a file's octets as of its last {@link #force}, a directory's names
 * as of its last {@link #forceDirectory} (POSIX promises no more; SIGKILL keeps the page cache,
 * so only a model shows a missing fsync). Before every call, and at each {@link #mark}, it takes a
 * {@link Crash}: the durable state at that moment, to be written into a fresh directory and
 * recovered from.
 *
 * <p>Two readings of a crash: {@link Crash#forced()} (only what was forced survives; a file never
 * forced is empty) and {@link Crash#written()} (every octet written reached the disk, but names
 * only as forced), since the disk may write back any dirty page before the crash.
 */
final class DurabilityRecorder implements DiskSync {
    /** A file's identity: the inode and its birth time (an inode number is reused after a delete). */
    private record Inode(Object key, Object born) {
    }

    /**
     * The disk after a crash at one point.
     *
     * @param step         how many calls had returned
     * @param before       the call about to run (or the mark)
     * @param acknowledged what the test had been promised by then (marks)
     * @param forced       relative path to octets, only what was forced
     * @param written      relative path to octets, names as forced, octets as written
     * @param folders      the directories (made durable when created; the spool makes them at start)
     */
    record Crash(int step, String before, List<String> acknowledged, Map<String, byte[]> forced,
                 Map<String, byte[]> written, List<String> folders) {
        /** Writes one reading into {@code directory} (created); answers it. */
        Path materialize(Path directory, boolean onlyForced) throws IOException {
            Files.createDirectories(directory);
            for (String folder : folders) {
                Files.createDirectories(directory.resolve(folder));
            }
            for (Map.Entry<String, byte[]> file : (onlyForced ? forced : written).entrySet()) {
                Files.write(directory.resolve(file.getKey()), file.getValue());
            }
            return directory;
        }

        /** Equal for two crashes that leave the same disk (in this reading) and the same promises. */
        String fingerprint(boolean onlyForced) {
            StringBuilder text = new StringBuilder(acknowledged.toString());
            (onlyForced ? forced : written).forEach((path, octets) ->
                    text.append('\n').append(path).append(' ').append(java.util.Arrays.hashCode(octets)).append(' ').append(octets.length));
            return text.toString();
        }

        @Override
        public String toString() {
            return "crash before " + before + " (step " + step + ", acknowledged " + acknowledged + ")";
        }
    }

    private final Path root;
    private final List<String> events = new ArrayList<>();
    private final List<String> acknowledged = new ArrayList<>();
    private final List<Crash> crashes = new ArrayList<>();
    private final Map<Inode, byte[]> forcedOctets = new HashMap<>();
    private final Map<Inode, byte[]> lastWritten = new HashMap<>();
    /** Directory (relative) to its durable names; a directory never forced has none. */
    private final Map<String, Map<String, Inode>> durableNames = new TreeMap<>();

    /** Models every directory under {@code root} (which starts empty or as the test left it, all durable). */
    DurabilityRecorder(Path root) throws IOException {
        this.root = root;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                if (Files.isDirectory(path)) {
                    durableNames.put(relative(path), listing(path));
                } else {
                    Inode inode = inode(path);
                    forcedOctets.put(inode, Files.readAllBytes(path));
                }
            }
        }
    }

    @Override
    public synchronized void force(FileChannel channel, Path file) throws IOException {
        crash("force " + relative(file));
        long size = channel.size(); // the model is the truth here: no real fsync (it would only make the test slow)
        byte[] octets = Files.readAllBytes(file);
        forcedOctets.put(inode(file), java.util.Arrays.copyOf(octets, (int) Math.min(size, octets.length)));
        events.add("force " + relative(file));
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        crash("rename " + relative(from) + " " + relative(to));
        DiskSync.SYSTEM.rename(from, to);
        events.add("rename " + relative(from) + " " + relative(to));
    }

    @Override
    public synchronized void forceDirectory(Path directory) throws IOException {
        crash("forcedir " + relative(directory));
        durableNames.put(relative(directory), listing(directory));
        events.add("forcedir " + relative(directory));
    }

    /** The test was promised something (a 250, a returned call): every later crash must keep it. */
    synchronized void acknowledge(String what) throws IOException {
        crash("acknowledging " + what);
        acknowledged.add(what);
        events.add("ack " + what);
    }

    /** A promise no longer made (a message about to be removed may or may not be there after a crash). */
    synchronized void withdraw(String what) {
        acknowledged.remove(what);
    }

    /** Renames without forcing anything: for the spools that check a crash, where durability is not the question. */
    static final DiskSync UNFORCED = new DiskSync() {
        @Override
        public void force(FileChannel channel, Path file) {
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            DiskSync.SYSTEM.rename(from, to);
        }

        @Override
        public void forceDirectory(Path directory) {
        }
    };

    /** A crash point that is not a call: the end of a scenario. */
    synchronized void mark(String what) throws IOException {
        crash(what);
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    synchronized List<Crash> crashes() {
        return List.copyOf(crashes);
    }

    /** The recorded calls from the first one matching {@code from} on. */
    synchronized List<String> eventsFrom(String from) {
        int start = events.indexOf(from);
        return start < 0 ? List.of() : List.copyOf(events.subList(start, events.size()));
    }

    private void crash(String before) throws IOException {
        Map<Inode, byte[]> current = new HashMap<>();
        List<String> directories = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                try {
                    if (Files.isDirectory(path)) {
                        directories.add(relative(path));
                    } else if (Files.isRegularFile(path)) {
                        Inode inode = inode(path);
                        current.put(inode, Files.readAllBytes(path));
                    }
                } catch (NoSuchFileException e) {
                    // removed while walking (a checkpoint deleting its segment)
                }
            }
        }
        lastWritten.putAll(current);
        Map<String, byte[]> forced = new LinkedHashMap<>();
        Map<String, byte[]> written = new LinkedHashMap<>();
        durableNames.forEach((directory, names) -> names.forEach((name, inode) -> {
            String path = directory.isEmpty() ? name : directory + "/" + name;
            forced.put(path, forcedOctets.getOrDefault(inode, new byte[0]));
            written.put(path, lastWritten.getOrDefault(inode, forcedOctets.getOrDefault(inode, new byte[0])));
        }));
        crashes.add(new Crash(events.size(), before, List.copyOf(acknowledged), forced, written, directories));
    }

    private Map<String, Inode> listing(Path directory) throws IOException {
        Map<String, Inode> names = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                try {
                    if (Files.isRegularFile(file)) {
                        names.put(file.getFileName().toString(), inode(file));
                    }
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        }
        return names;
    }

    private static Inode inode(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new Inode(attributes.fileKey(), attributes.creationTime());
    }

    private String relative(Path path) {
        return root.relativize(path.toAbsolutePath()).toString();
    }
}
