package io.portcullis.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The end of a spool record ({@code queue/ID.msg}): after the content, the envelope in JSON, then
 * a 16-octet footer of the JSON's length (8 octets, big-endian) and the magic {@code PCSPOOL1}.
 * The footer alone says where the content ends, so delivery never parses the JSON.
 */
final class RecordTrailer {
    private static final byte[] MAGIC = "PCSPOOL1".getBytes(StandardCharsets.US_ASCII);
    private static final int FOOTER_LENGTH = 16;

    private RecordTrailer() {
    }

    /** The trailer that ends a record with this envelope. */
    static byte[] of(Envelope envelope) throws IOException {
        byte[] text = Json.MAPPER.writeValueAsBytes(envelope);
        return ByteBuffer.allocate(text.length + FOOTER_LENGTH).put(text).putLong(text.length).put(MAGIC).array();
    }

    /** A record's envelope, from its trailer; fails when there is none. */
    static Envelope envelope(Path record) throws IOException {
        try (FileChannel channel = FileChannel.open(record, StandardOpenOption.READ)) {
            long start = contentLength(channel);
            ByteBuffer text = ByteBuffer.allocate((int) (channel.size() - FOOTER_LENGTH - start));
            while (text.hasRemaining() && channel.read(text, start + text.position()) > 0) {
                // read the whole trailer
            }
            return Json.MAPPER.readValue(text.array(), Envelope.class);
        }
    }

    /** Where the content ends and the trailer begins, from the footer alone (no JSON parsed). */
    static long contentLength(FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer footer = ByteBuffer.allocate(FOOTER_LENGTH);
        if (size < FOOTER_LENGTH || channel.read(footer, size - FOOTER_LENGTH) != FOOTER_LENGTH) {
            throw new IOException("no trailer");
        }
        footer.flip();
        long length = footer.getLong();
        byte[] magic = new byte[MAGIC.length];
        footer.get(magic);
        if (!Arrays.equals(magic, MAGIC) || length < 2 || length > size - FOOTER_LENGTH) {
            throw new IOException("no trailer");
        }
        return size - FOOTER_LENGTH - length;
    }
}
