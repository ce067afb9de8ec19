package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.QuarantineConfig;
import io.portcullis.observe.Telemetry;
import io.portcullis.quarantine.AuditLog;
import io.portcullis.quarantine.Quarantine;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of the durable steps when a held message is committed into the quarantine (see
 * {@link Quarantine}'s protocol): the record forced in {@code incoming/}, the journal's HELD line
 * forced, the record renamed into {@code quarantine/}, that directory forced, and only then does
 * commit return (the session's 250). A release commits its copy into the queue before the journal
 * says RELEASED.
 */
class QuarantineHoldOrderTest {
    @TempDir
    Path root;

    private final List<String> calls = new ArrayList<>();

    private final DiskSync recorder = new DiskSync() {
        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            DiskSync.SYSTEM.force(channel, file);
            calls.add("force " + name(file));
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            DiskSync.SYSTEM.rename(from, to);
            calls.add("rename " + name(from) + " -> " + name(to));
        }

        @Override
        public void forceDirectory(Path directory) throws IOException {
            DiskSync.SYSTEM.forceDirectory(directory);
            calls.add("force-directory " + root.resolve("spool").relativize(directory));
        }
    };

    private String name(Path file) {
        String relative = root.resolve("spool").relativize(file).toString();
        return relative.replaceAll("[A-Za-z0-9]{12}", "ID");
    }

    @Test
    void heldRecordIsForcedRenamedAndItsDirectoryForcedBeforeCommitReturns() throws Exception {
        Spool spool = new Spool(root.resolve("spool"), 0, CommitLog.SEGMENT_BYTES, recorder);
        spool.recover();
        Quarantine quarantine = new Quarantine(root.resolve("spool/quarantine"), spool, QuarantineConfig.DEFAULT,
                Telemetry.none(), new AuditLog(root.resolve("audit.log")), recorder, java.time.Clock.systemUTC());
        quarantine.recover();
        spool.holdIn(quarantine);
        calls.clear();
        String id;
        try (IncomingMessage message = spool.create()) {
            message.content().write("Subject: held\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
            message.commit(new Envelope(Envelope.CURRENT_VERSION, message.id(), "inbound", "inbound", Instant.now(),
                    new Envelope.Client("127.0.0.1", 1, "h", "ESMTP", null, null, null), "s@remote.test", null, "7BIT",
                    false, null, null, List.of(new Envelope.Recipient("u@example.test", List.of(), null)), message.size(),
                    null, "header-check: test"));
            id = message.id();
        }
        assertThat(calls).containsExactly(
                "force incoming/ID.eml",
                "force quarantine/ID.q",
                "rename incoming/ID.eml -> quarantine/ID.msg",
                "force-directory quarantine");
        assertThat(spool.queuedIds()).isEmpty();

        calls.clear();
        String copy = quarantine.release(id, List.of(), "test").queued().getFirst();
        assertThat(spool.queuedIds()).containsExactly(copy);
        assertThat(calls.indexOf("force quarantine/ID.q")).as(calls.toString())
                .isGreaterThan(calls.stream().filter(c -> c.startsWith("rename incoming/") && c.endsWith("queue/ID.msg"))
                        .findFirst().map(calls::indexOf).orElse(Integer.MAX_VALUE - 1));
        spool.close();
    }
}
