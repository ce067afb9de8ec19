package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.config.GatewayConfig;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.MessageFolder;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Keeps a copy of each message that reaches this step, durably, before the client hears 250:
 * queued in the spool to the archive address (its own flow, null sender so a failing archive
 * never bounces to the author), or written to a folder (.eml and .json, forced, then renamed in).
 * A crash between the copy and the commit of the message itself can leave one extra copy, never
 * a missing one.
 */
final class ArchiveCheck implements ContentCheck {
    private final CheckConfig.Archive config;
    private final Spool spool;

    ArchiveCheck(CheckConfig.Archive config, Spool spool) {
        this.config = config;
        this.spool = spool;
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        Envelope original = message.envelope();
        if (config.address() != null) {
            try (IncomingMessage copy = spool.create(); InputStream content = message.open()) {
                content.transferTo(copy.content());
                Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, copy.id(), original.listener(),
                        GatewayConfig.ARCHIVE_FLOW, Instant.now(), original.client(), "", null, original.body(),
                        original.smtpUtf8(), null, null, List.of(new Envelope.Recipient(config.address(), List.of("NEVER"),
                        null)), copy.size(), original.messageId(), null);
                copy.commit(envelope);
            }
        } else {
            writeToFolder(message, original);
        }
        return ContentVerdict.ACCEPT;
    }

    private void writeToFolder(ContentMessage message, Envelope envelope) throws IOException {
        Path day = io.portcullis.spool.PrivateFiles.createDirectories(config.folder().resolve(
                Instant.now().atOffset(ZoneOffset.UTC).toLocalDate().toString()));
        try (InputStream content = message.open()) {
            MessageFolder.write(day, envelope.withSize(message.size()), content);
        }
    }
}
