package io.portcullis.quarantine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Who did what to the quarantine and the delivery queue, and when: one JSON line per
 * administrative action (release, delete, release-and-allow-sender, allow-list changes, a bulk
 * action with its filter and count, the sweeper's expiries; the queue's {@code queue-hold},
 * {@code queue-release}, {@code queue-delete}, ... from the CLI and the admin API), appended to
 * {@code DATA/audit.log} ({@code 0600}) and forced, before the action's answer is given.
 */
public final class AuditLog {
    private final Path file;

    /** One action. {@code target} is an entry id or a filter's text; {@code count} the entries it touched. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Action(Instant at, String actor, String action, String target, Integer count, String detail) {
    }

    public AuditLog(Path file) {
        this.file = file;
    }

    public synchronized void record(String actor, String action, String target, Integer count, String detail)
            throws IOException {
        byte[] line = (Json.MAPPER.writeValueAsString(new Action(Instant.now(), actor, action, target, count, detail))
                + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (FileChannel channel = PrivateFiles.openAppend(file)) {
            ByteBuffer bytes = ByteBuffer.wrap(line);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        }
    }

    /** Every action recorded so far, oldest first (a torn last line is skipped). */
    public synchronized java.util.List<Action> read() throws IOException {
        java.util.List<Action> actions = new java.util.ArrayList<>();
        if (!java.nio.file.Files.exists(file)) {
            return actions;
        }
        for (String line : java.nio.file.Files.readAllLines(file)) {
            try {
                actions.add(Json.MAPPER.readValue(line, Action.class));
            } catch (IOException e) {
                // a line cut short by a crash: its action was never answered
            }
        }
        return actions;
    }
}
