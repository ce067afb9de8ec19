package io.portcullis.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A message written into a plain folder for people and other programs: {@code ID.eml} (the
 * content) and {@code ID.json} (the envelope, pretty-printed). Both are written to new temporary
 * files ({@link PrivateFiles#createTemporary}: random hidden names, mode 0600, never through a
 * planted file or link), forced, renamed in and the folder forced, so a reader never sees half a
 * file and nothing is lost once {@link #write} returns. The drop connector and the archive check
 * use it.
 */
public final class MessageFolder {
    private MessageFolder() {
    }

    public static void write(Path folder, Envelope envelope, InputStream content) throws IOException {
        write(folder, envelope, content, DiskSync.SYSTEM);
    }

    static void write(Path folder, Envelope envelope, InputStream content, DiskSync disk) throws IOException {
        String id = envelope.queueId();
        Path messageFile = folder.resolve(id + ".eml");
        Path envelopeFile = folder.resolve(id + ".json");
        PrivateFiles.Temporary message = PrivateFiles.createTemporary(messageFile);
        PrivateFiles.Temporary envelopeTemp = null;
        boolean renamed = false;
        try {
            try (FileChannel channel = message.channel()) {
                content.transferTo(Channels.newOutputStream(channel));
                disk.force(channel, message.file());
            }
            envelopeTemp = PrivateFiles.createTemporary(envelopeFile);
            try (FileChannel channel = envelopeTemp.channel()) {
                ByteBuffer json = ByteBuffer.wrap(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(envelope));
                while (json.hasRemaining()) {
                    channel.write(json);
                }
                disk.force(channel, envelopeTemp.file());
            }
            disk.rename(message.file(), messageFile);
            disk.rename(envelopeTemp.file(), envelopeFile);
            renamed = true;
            disk.forceDirectory(folder);
        } finally {
            if (!renamed) { // a failure: nothing of this attempt stays
                Files.deleteIfExists(message.file());
                if (envelopeTemp != null) {
                    Files.deleteIfExists(envelopeTemp.file());
                }
            }
        }
    }
}
