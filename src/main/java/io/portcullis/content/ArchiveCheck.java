package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.config.GatewayConfig;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Json;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
        Path day = Files.createDirectories(config.folder().resolve(
                Instant.now().atOffset(ZoneOffset.UTC).toLocalDate().toString()));
        Path eml = day.resolve(envelope.queueId() + ".eml");
        Path json = day.resolve(envelope.queueId() + ".json");
        Path emlTemp = day.resolve("." + envelope.queueId() + ".eml.tmp");
        Path jsonTemp = day.resolve("." + envelope.queueId() + ".json.tmp");
        try (InputStream content = message.open();
             FileChannel out = FileChannel.open(emlTemp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE)) {
            content.transferTo(java.nio.channels.Channels.newOutputStream(out));
            out.force(true);
        }
        try (FileChannel out = FileChannel.open(jsonTemp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(envelope.withSize(message.size()))));
            out.force(true);
        }
        Files.move(jsonTemp, json, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(emlTemp, eml, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(day, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
