package io.portcullis.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A message written into a plain folder for people and other programs: {@code ID.eml} (the
 * content) and {@code ID.json} (the envelope, pretty-printed). Both are written to hidden
 * temporary files, forced, renamed in and the folder forced, so a reader never sees half a file
 * and nothing is lost once {@link #write} returns. The drop connector and the archive check use it.
 */
public final class MessageFolder {
    private MessageFolder() {
    }

    public static void write(Path folder, Envelope envelope, InputStream content) throws IOException {
        String id = envelope.queueId();
        Path messageTemp = folder.resolve("." + id + ".eml.tmp");
        Path envelopeTemp = folder.resolve("." + id + ".json.tmp");
        try (FileChannel channel = FileChannel.open(messageTemp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            content.transferTo(Channels.newOutputStream(channel));
            channel.force(true);
        }
        try (FileChannel channel = FileChannel.open(envelopeTemp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(envelope)));
            channel.force(true);
        }
        Files.move(messageTemp, folder.resolve(id + ".eml"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(envelopeTemp, folder.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Spool.forceDirectory(folder);
    }
}
