package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.MessageFolder;
import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
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

    DropConnector(String name, Path folder) throws IOException {
        this.name = name;
        this.folder = PrivateFiles.createDirectories(folder); // 0700, files 0600 (MessageFolder)
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RecipientResult> deliver(DeliveryJob job) {
        Envelope delivered = job.envelope().withRecipients(job.recipients()).quarantined(null);
        Reply reply;
        try (java.io.InputStream content = job.message().open()) {
            MessageFolder.write(folder, delivered, content);
            reply = DELIVERED;
        } catch (IOException e) {
            log.error("{}: cannot write {} to {}: {}", name, delivered.queueId(), folder, e.toString());
            reply = Replies.DELIVERY_LOCAL_ERROR.append("(drop folder: " + e.getMessage() + ")");
        }
        return RecipientResult.allOf(job.recipients(), reply, "drop:" + folder);
    }
}
