package io.portcullis.delivery;

import io.portcullis.spool.Json;
import io.portcullis.smtp.Replies;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Final delivery into a folder: {@code ID.eml} holds the message exactly as stored (our Received
 * header, then the client's octets) and {@code ID.json} the envelope with the recipients this
 * delivery covered. Both are written to temporary names, forced and renamed, so a reader of the
 * folder never sees half a file; a repeated delivery of the same message replaces the same names.
 */
final class DropConnector implements Connector {
    private static final Logger log = LoggerFactory.getLogger(DropConnector.class);
    private static final Reply DELIVERED = new Reply(250, "2.0.0", "Delivered to the drop folder");

    private final String name;
    private final Path folder;
    private final ObjectWriter json = Json.MAPPER.writerWithDefaultPrettyPrinter();

    DropConnector(String name, Path folder) throws IOException {
        this.name = name;
        this.folder = Files.createDirectories(folder);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RecipientResult> deliver(DeliveryJob job) {
        String id = job.envelope().queueId();
        Envelope delivered = new Envelope(job.envelope().version(), id, job.envelope().listener(), job.envelope().flow(),
                job.envelope().arrival(), job.envelope().client(), job.envelope().sender(), job.envelope().declaredSize(),
                job.envelope().body(), job.envelope().smtpUtf8(), job.envelope().dsnReturn(),
                job.envelope().dsnEnvelopeId(), job.recipients(), job.envelope().size(), job.envelope().messageId(),
                null);
        Reply reply;
        try {
            Path messageTemp = folder.resolve("." + id + ".eml.tmp");
            try (java.io.InputStream content = job.message().open()) {
                Files.copy(content, messageTemp, StandardCopyOption.REPLACE_EXISTING);
            }
            force(messageTemp);
            Path envelopeTemp = folder.resolve("." + id + ".json.tmp");
            try (FileChannel channel = FileChannel.open(envelopeTemp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(json.writeValueAsBytes(delivered)));
                channel.force(true);
            }
            Files.move(messageTemp, folder.resolve(id + ".eml"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            Files.move(envelopeTemp, folder.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            force(folder);
            reply = DELIVERED;
        } catch (IOException e) {
            log.error("{}: cannot write {} to {}: {}", name, id, folder, e.toString());
            reply = Replies.DELIVERY_LOCAL_ERROR.append("(drop folder: " + e.getMessage() + ")");
        }
        return RecipientResult.allOf(job.recipients(), reply, "drop:" + folder);
    }

    private static void force(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
