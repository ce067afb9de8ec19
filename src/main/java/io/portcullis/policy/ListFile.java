package io.portcullis.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file of one entry per line ({@code #} starts a comment line, blank lines are skipped), read
 * again when its modification time changes. Each line is turned into {@code T} by the parser; a
 * line it cannot read (null) is logged with its line number and left out. A file that cannot be
 * read keeps the entries loaded before. Lookups never throw.
 */
final class ListFile<T> {
    private static final Logger log = LoggerFactory.getLogger(ListFile.class);

    private final Path file;
    private final Function<String, T> parser;
    private final Function<List<T>, Object> index;
    private volatile Object loaded;
    private volatile FileTime loadedVersion;

    /**
     * @param parser one line to an entry, or null for a line that is not one
     * @param index  the entries into what lookups use (a set, a list of networks)
     */
    ListFile(Path file, Function<String, T> parser, Function<List<T>, Object> index) {
        this.file = file;
        this.parser = parser;
        this.index = index;
        this.loaded = index.apply(List.of());
    }

    /** The current entries as {@code index} made them; read again first when the file changed. */
    @SuppressWarnings("unchecked")
    <I> I current() {
        try {
            FileTime version = Files.getLastModifiedTime(file);
            if (!version.equals(loadedVersion)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                List<T> entries = new ArrayList<>();
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    T entry = parser.apply(line);
                    if (entry == null) {
                        log.warn("{}:{}: \"{}\" is not a valid entry; skipped", file, i + 1, line);
                    } else {
                        entries.add(entry);
                    }
                }
                loaded = index.apply(entries);
                loadedVersion = version;
            }
        } catch (IOException | RuntimeException e) {
            log.error("cannot read {}: {}; keeping the list loaded before", file, e.toString());
        }
        return (I) loaded;
    }
}
