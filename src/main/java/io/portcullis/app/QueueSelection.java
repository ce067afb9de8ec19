package io.portcullis.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Which messages a bulk queue command applies to: ids (and {@code -} for ids on standard input,
 * one per line, as {@code postsuper -d -} reads them), {@code --all}, or a query; ids and a query
 * together select both.
 */
final class QueueSelection {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h|d)");

    @Parameters(paramLabel = "ID", arity = "0..*",
            description = "Queue ids; - reads more from standard input, one per line (the first word of each line).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--all", description = "Every queued message.")
    boolean all;

    @Option(names = "--from", paramLabel = "ADDRESS", description = "Messages from this sender (@domain: from that domain; <> the null sender).")
    String from;

    @Option(names = "--to", paramLabel = "ADDRESS", description = "Messages with this open recipient (@domain: in that domain).")
    String to;

    @Option(names = "--flow", paramLabel = "FLOW", description = "Messages of this flow (inbound, outbound, local, archive, ...).")
    String flow;

    @Option(names = "--older-than", paramLabel = "AGE", description = "Messages at least this old: 30m, 12h, 3d.")
    String olderThan;

    @Option(names = "--state", paramLabel = "STATE", description = "Messages in this state: held, sending, deferred, new.")
    String state;

    boolean hasQuery() {
        return all || from != null || to != null || flow != null || olderThan != null || state != null;
    }

    boolean isEmpty() {
        return ids.isEmpty() && !hasQuery();
    }

    /** Puts {@code ids} and {@code query} into the request; {@code in} is read when an id is "-". */
    void addTo(ObjectNode request, InputStream in) throws IOException {
        if (!ids.isEmpty()) {
            ArrayNode array = request.putArray("ids");
            for (String id : ids) {
                if (id.equals("-")) {
                    readIds(in).forEach(array::add);
                } else {
                    array.add(id);
                }
            }
        }
        if (hasQuery()) {
            ObjectNode query = request.putObject("query");
            query.put("from", from).put("to", to).put("flow", flow).put("state", state);
            if (olderThan != null) {
                query.put("olderThan", age(olderThan).toString());
            }
        }
    }

    static Duration age(String text) {
        Matcher matcher = DURATION.matcher(text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("--older-than: expected an age such as 30m, 12h or 3d, got \"" + text + "\"");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    private static List<String> readIds(InputStream in) throws IOException {
        List<String> ids = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            String[] words = line.strip().split("\\s+", 2);
            if (!words[0].isEmpty() && !words[0].startsWith("#")) {
                ids.add(words[0]);
            }
        }
        return ids;
    }
}
