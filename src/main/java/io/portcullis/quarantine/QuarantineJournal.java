package io.portcullis.quarantine;

import io.portcullis.spool.DiskSync;
import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An entry's journal ({@code ID.q}): one JSON {@link QuarantineRecord} per line, HELD first, then
 * what became of its recipients; appended and forced through {@link DiskSync} before the caller
 * acts on it.
 */
final class QuarantineJournal {
    private static final Logger log = LoggerFactory.getLogger(Quarantine.class);

    private QuarantineJournal() {
    }

    static void append(DiskSync disk, Path journal, List<QuarantineRecord> records) throws IOException {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        for (QuarantineRecord record : records) {
            lines.write(Json.MAPPER.writeValueAsBytes(record));
            lines.write('\n');
        }
        try (FileChannel channel = PrivateFiles.openAppend(journal)) {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toByteArray());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            disk.force(channel, journal);
        }
    }

    /** The journal's lines; a last line cut short by a crash is ignored (its force never returned). */
    static List<QuarantineRecord> read(Path journal) throws IOException {
        List<QuarantineRecord> records = new ArrayList<>();
        if (!Files.exists(journal)) {
            return records;
        }
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                try {
                    records.add(Json.MAPPER.readValue(line, QuarantineRecord.class));
                } catch (IOException e) {
                    log.warn("quarantine: ignoring an incomplete journal line of {}", journal);
                }
            }
        }
        return records;
    }
}
