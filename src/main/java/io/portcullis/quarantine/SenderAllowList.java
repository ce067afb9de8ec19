package io.portcullis.quarantine;

import io.portcullis.spool.DiskSync;
import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Each recipient's allow list of senders (release-and-allow-sender): mail from an allowed sender
 * to that recipient is not held for an allow-listed category (spam, by default; never anything
 * else unless configured — a virus, a DMARC failure or a blocked attachment is held whoever
 * sent it). Kept in {@code DATA/quarantine-allowed-senders}, one JSON line per entry, replaced
 * whole (temporary file, force, rename, directory force) before a change is answered, so a
 * crash leaves the old list or the new one.
 *
 * <h2>Canonical forms</h2>
 * Both addresses are compared as: the local part as received (RFC 5321 §2.4: it may be
 * case-sensitive) without its {@code +tag} (everything from the first {@code +}; a quoted local
 * part is kept whole), and the domain in lower case. So an entry for {@code news@shop.example}
 * also allows {@code news+4711@shop.example} (per-message bounce addresses of list servers), and
 * one made by {@code user+lists@example.test} serves {@code user@example.test} too: one mailbox,
 * one list. The null sender is never allowed.
 *
 * <p>Bounded: at most {@code max-per-recipient} senders per recipient and {@code max-entries} in
 * all; an addition beyond either is refused ({@link Full}), nothing is evicted.
 */
public final class SenderAllowList {
    private final Path file;
    private final int maxPerRecipient;
    private final int maxEntries;
    private final DiskSync disk;
    private final Map<String, Map<String, Entry>> byRecipient = new LinkedHashMap<>();
    private int size;

    /** One allowed sender for one recipient (both in canonical form), who added it and when. */
    public record Entry(String recipient, String sender, Instant added, String actor) {
    }

    /** An addition the bounds refuse. */
    public static final class Full extends Exception {
        Full(String message) {
            super(message, null, false, false);
        }
    }

    public SenderAllowList(Path file, int maxPerRecipient, int maxEntries, DiskSync disk) throws IOException {
        this.file = file;
        this.maxPerRecipient = maxPerRecipient;
        this.maxEntries = maxEntries;
        this.disk = disk;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    Entry entry = Json.MAPPER.readValue(line, Entry.class);
                    if (byRecipient.computeIfAbsent(entry.recipient(), r -> new LinkedHashMap<>())
                            .put(entry.sender(), entry) == null) {
                        size++;
                    }
                }
            }
        }
    }

    /** The canonical form of an address, or null for the null sender and what is no address. */
    public static String canonical(String address) {
        if (address == null) {
            return null;
        }
        String text = address.strip();
        if (text.startsWith("<") && text.endsWith(">")) {
            text = text.substring(1, text.length() - 1);
        }
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) {
            return null;
        }
        String local = text.substring(0, at);
        int plus = local.indexOf('+');
        if (!local.startsWith("\"") && plus > 0) {
            local = local.substring(0, plus);
        }
        return local + "@" + text.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** True when {@code recipient} allows mail from {@code sender}. */
    public synchronized boolean allows(String recipient, String sender) {
        String r = canonical(recipient);
        String s = canonical(sender);
        return r != null && s != null && byRecipient.getOrDefault(r, Map.of()).containsKey(s);
    }

    /** Adds {@code sender} to {@code recipient}'s list; false when it was there already. */
    public synchronized boolean add(String recipient, String sender, String actor, Instant now) throws IOException, Full {
        String r = canonical(recipient);
        String s = canonical(sender);
        if (r == null || s == null) {
            throw new IllegalArgumentException("not an address that can be allowed: <" + (r == null ? recipient : sender) + ">");
        }
        Map<String, Entry> senders = byRecipient.getOrDefault(r, Map.of());
        if (senders.containsKey(s)) {
            return false;
        }
        if (senders.size() >= maxPerRecipient) {
            throw new Full("the allow list of <" + r + "> is full (" + maxPerRecipient + " senders)");
        }
        if (size >= maxEntries) {
            throw new Full("the allow lists are full (" + maxEntries + " entries in all)");
        }
        byRecipient.computeIfAbsent(r, k -> new LinkedHashMap<>()).put(s, new Entry(r, s, now, actor));
        size++;
        try {
            save();
        } catch (IOException | RuntimeException e) {
            byRecipient.get(r).remove(s);
            size--;
            throw e;
        }
        return true;
    }

    /** Removes {@code sender} from {@code recipient}'s list; false when it was not there. */
    public synchronized boolean remove(String recipient, String sender) throws IOException {
        String r = canonical(recipient);
        String s = canonical(sender);
        Map<String, Entry> senders = byRecipient.get(r);
        if (senders == null || s == null) {
            return false;
        }
        Entry removed = senders.remove(s);
        if (removed == null) {
            return false;
        }
        size--;
        if (senders.isEmpty()) {
            byRecipient.remove(r);
        }
        try {
            save();
        } catch (IOException | RuntimeException e) {
            byRecipient.computeIfAbsent(r, k -> new LinkedHashMap<>()).put(s, removed);
            size++;
            throw e;
        }
        return true;
    }

    /** Entries whose recipient contains {@code recipient} (case-insensitively; null: all), by recipient. */
    public synchronized List<Entry> list(String recipient) {
        List<Entry> entries = new ArrayList<>();
        byRecipient.forEach((r, senders) -> {
            if (recipient == null || r.toLowerCase(Locale.ROOT).contains(recipient.toLowerCase(Locale.ROOT))) {
                entries.addAll(senders.values());
            }
        });
        return entries;
    }

    public synchronized int size() {
        return size;
    }

    private void save() throws IOException {
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        for (Map<String, Entry> senders : byRecipient.values()) {
            for (Entry entry : senders.values()) {
                lines.write(Json.MAPPER.writeValueAsBytes(entry));
                lines.write('\n');
            }
        }
        PrivateFiles.Temporary temporary = PrivateFiles.createTemporary(file);
        boolean renamed = false;
        try {
            try (FileChannel channel = temporary.channel()) {
                ByteBuffer bytes = ByteBuffer.wrap(lines.toByteArray());
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                disk.force(channel, temporary.file());
            }
            disk.rename(temporary.file(), file);
            renamed = true;
            disk.forceDirectory(file.getParent());
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temporary.file());
            }
        }
    }
}
