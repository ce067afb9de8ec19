package io.portcullis.quarantine;

import io.portcullis.config.GatewayConfig;
import io.portcullis.config.QuarantineConfig;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-recipient digest: one plain-text mail to each recipient with held mail (in the
 * configured domains), listing each held message (sender, subject, when, why) with a signed,
 * single-use, expiring release link ({@link ReleaseLinks}) to the admin server's public release
 * page (none for a virus hold: {@link QuarantineEntry#selfReleasable}). Digests are queued in the reserved flow {@value GatewayConfig#QUARANTINE_DIGEST_FLOW} from
 * the null sender with NOTIFY=NEVER (no bounce loops), and leave by the normal outbound path.
 * Every text shown is made printable first, so nothing a sender wrote can shape the digest.
 *
 * <p>A digest lists only what was held for its recipient since that recipient's last digest: the
 * ids each recipient was told about (still held) and the time of the last run are kept in {@code
 * DATA/quarantine-digest-state} (JSON, replaced whole and forced after the digests are queued, so
 * a crash in between sends an entry twice, never skips one). A recipient with nothing new gets no digest.
 * A digest lists at most {@value #MAX_LISTED} entries, the oldest new ones; the newer ones are not
 * counted as sent and wait for the next digest.
 */
public final class QuarantineDigests {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    static final int MAX_LISTED = 500;

    private final Quarantine quarantine;
    private final ReleaseLinks links;
    private final Spool spool;
    private final QuarantineConfig config;
    private final String hostname;
    private final java.util.function.Predicate<String> ourDomain;

    private final java.nio.file.Path stateFile;

    /** What the last run left: when it ran, and the ids each recipient has been sent. */
    public record State(Instant lastRun, Map<String, java.util.Set<String>> sent) {
    }

    /**
     * @param ourDomain which recipient domains are the organisation's own (the gateway's {@code
     *                  domains:}): without {@code digest.domains}, only their recipients get digests
     */
    public QuarantineDigests(Quarantine quarantine, ReleaseLinks links, Spool spool, QuarantineConfig config, String hostname,
                             java.nio.file.Path dataDirectory, java.util.function.Predicate<String> ourDomain) {
        this.ourDomain = ourDomain;
        this.quarantine = quarantine;
        this.links = links;
        this.spool = spool;
        this.config = config;
        this.hostname = hostname;
        this.stateFile = dataDirectory.resolve("quarantine-digest-state");
    }

    /** The state the last run left (none before the first). */
    public State state() throws IOException {
        if (!java.nio.file.Files.exists(stateFile)) {
            return new State(null, Map.of());
        }
        return io.portcullis.spool.Json.MAPPER.readValue(java.nio.file.Files.readAllBytes(stateFile), State.class);
    }

    /**
     * Queues a digest for every recipient with mail held since their last digest; returns the
     * queue ids. None without a base URL.
     */
    public synchronized List<String> sendAll() throws IOException {
        if (config.digestBaseUrl() == null) {
            return List.of();
        }
        Map<String, java.util.Set<String>> previously = state().sent();
        Map<String, java.util.Set<String>> sent = new TreeMap<>();
        Map<String, List<QuarantineEntry>> byRecipient = new TreeMap<>();
        for (QuarantineEntry entry : quarantine.list(QuarantineFilter.ALL, 0, Integer.MAX_VALUE)) {
            for (String recipient : entry.held()) {
                String domain = recipient.substring(recipient.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
                if (config.digestDomains().isEmpty() ? ourDomain.test(domain) : config.digestDomains().contains(domain)) {
                    String key = recipient.toLowerCase(Locale.ROOT);
                    java.util.Set<String> told = sent.computeIfAbsent(key, r -> new java.util.TreeSet<>());
                    if (previously.getOrDefault(key, java.util.Set.of()).contains(entry.id())) {
                        told.add(entry.id());
                    } else {
                        byRecipient.computeIfAbsent(key, r -> new java.util.ArrayList<>()).add(entry);
                    }
                }
            }
        }
        List<String> queued = new java.util.ArrayList<>();
        for (Map.Entry<String, List<QuarantineEntry>> one : byRecipient.entrySet()) {
            // newest first; past MAX_LISTED, the oldest are listed and the newer wait for the next
            // digest (not marked sent): a flood of new spam cannot push a held message out of every digest
            List<QuarantineEntry> entries = one.getValue();
            List<QuarantineEntry> listed = entries.subList(Math.max(0, entries.size() - MAX_LISTED), entries.size());
            queued.add(send(one.getKey(), listed, entries.size() - listed.size()));
            listed.forEach(entry -> sent.get(one.getKey()).add(entry.id()));
        }
        byte[] state = io.portcullis.spool.Json.MAPPER.writeValueAsBytes(new State(links.now(), sent));
        io.portcullis.spool.PrivateFiles.Temporary temporary = io.portcullis.spool.PrivateFiles.createTemporary(stateFile);
        try (java.nio.channels.FileChannel channel = temporary.channel()) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(state);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            java.nio.file.Files.deleteIfExists(temporary.file());
            throw e;
        }
        java.nio.file.Files.move(temporary.file(), stateFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        io.portcullis.spool.DiskSync.SYSTEM.forceDirectory(stateFile.getParent());
        return queued;
    }

    private String send(String recipient, List<QuarantineEntry> entries, int waiting) throws IOException {
        Instant now = links.now();
        Instant expires = now.plus(config.linkValidity());
        StringBuilder text = new StringBuilder();
        String messageId = "<digest." + now.toEpochMilli() + "." + Math.abs(recipient.hashCode()) + "@" + hostname + ">";
        text.append("From: Quarantine <postmaster@").append(hostname).append(">\r\n")
                .append("To: <").append(recipient).append(">\r\n")
                .append("Subject: Quarantine digest: ").append(entries.size()).append(" message")
                .append(entries.size() == 1 ? "" : "s").append(" held for you\r\n")
                .append("Date: ").append(DATE.format(now)).append("\r\n")
                .append("Message-ID: ").append(messageId).append("\r\n")
                .append("Auto-Submitted: auto-generated\r\n")
                .append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
                .append("These messages to you were held by ").append(hostname).append(". To receive one, open its link\r\n")
                .append("and confirm; each link works once, until ").append(WHEN.format(expires)).append(".\r\n");
        for (QuarantineEntry entry : entries) {
            // the entry's recipient spelling, as the link names it
            String held = entry.held().stream().filter(recipient::equalsIgnoreCase).findFirst().orElse(recipient);
            text.append("\r\n").append(WHEN.format(entry.arrival())).append("  from <")
                    .append(line(entry.sender())).append(">\r\n  Subject: ").append(line(String.valueOf(entry.subject())))
                    .append("\r\n  Held for: ").append(line(entry.reason())).append("\r\n");
            if (!entry.selfReleasable()) {
                text.append("  Held as a virus: only your administrator can release it.\r\n");
                continue;
            }
            text.append("  Release: ").append(config.digestBaseUrl()).append("/quarantine/release?token=")
                    .append(links.sign(entry.id(), held, expires)).append("\r\n");
            if (!entry.sender().isEmpty()) {
                text.append("  Release and always allow this sender: ").append(config.digestBaseUrl())
                        .append("/quarantine/release?token=").append(links.sign(entry.id(), held, expires, true)).append("\r\n");
            }
        }
        if (waiting > 0) {
            text.append("\r\n... and ").append(waiting).append(" more, held since; they are listed in your next digest.\r\n");
        }
        byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);
        try (IncomingMessage message = spool.create()) {
            message.content().write(content);
            String flow = GatewayConfig.QUARANTINE_DIGEST_FLOW;
            message.commit(new Envelope(Envelope.CURRENT_VERSION, message.id(), flow, flow, now,
                    new Envelope.Client("127.0.0.1", 0, hostname, "LOCAL", null, null, null), "", null, "8BITMIME", false,
                    null, null, List.of(new Envelope.Recipient(recipient, List.of("NEVER"), null)), content.length,
                    messageId, null));
            return message.id();
        }
    }

    /**
     * One printable line, at most 200 characters: control characters (CR, LF, NEL), the line and
     * paragraph separators (U+2028, U+2029: a mandatory break where text is laid out) and the format
     * characters (bidirectional overrides and isolates, zero-width ones) become spaces, so a
     * sender's text can neither start a line of its own that looks like ours nor reorder one.
     */
    static String line(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> out.appendCodePoint(shapesText(c) ? ' ' : c));
        return out.toString();
    }

    private static boolean shapesText(int c) {
        int type = Character.getType(c);
        return Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
