package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.quarantine.AuditLog;
import io.portcullis.quarantine.Quarantine;
import io.portcullis.spool.QueueId;
import io.portcullis.spool.StoredMessage;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis quarantine ...}: review and act on held messages. Talks to the running gateway
 * over its control socket; when none runs, takes the data directory lock and works on the store
 * directly (a release is then queued and delivered when the gateway starts). Every action is
 * audited as {@code cli USER}.
 */
@Command(name = "quarantine", mixinStandardHelpOptions = true, description = "Review, release and delete quarantined messages.",
        subcommands = {QuarantineCli.ListEntries.class, QuarantineCli.Show.class, QuarantineCli.Preview.class,
                QuarantineCli.Raw.class, QuarantineCli.Release.class, QuarantineCli.Delete.class,
                QuarantineCli.Digest.class, QuarantineCli.AllowList.class})
final class QuarantineCli {

    /** The filter options, shared by list and the bulk forms of release and delete. */
    static final class FilterOptions {
        @Option(names = "--reason", description = "Reason category (header-check, dmarc, ...) or part of the reason text.")
        String reason;
        @Option(names = "--sender", description = "Part of the sender address.")
        String sender;
        @Option(names = "--recipient", description = "Part of a recipient address.")
        String recipient;
        @Option(names = "--subject", description = "Part of the subject.")
        String subject;
        @Option(names = "--since", description = "Held at or after (2026-11-30 or 2026-11-30T10:00:00Z).")
        String since;
        @Option(names = "--until", description = "Held before (a date includes that whole day).")
        String until;
        @Option(names = "--min-score", description = "Spam score at least.")
        String minScore;
        @Option(names = "--max-score", description = "Spam score at most.")
        String maxScore;

        ObjectNode json() {
            ObjectNode filter = QueueCommands.JSON.createObjectNode();
            put(filter, "reason", reason);
            put(filter, "sender", sender);
            put(filter, "recipient", recipient);
            put(filter, "subject", subject);
            put(filter, "since", since);
            put(filter, "until", until);
            put(filter, "min-score", minScore);
            put(filter, "max-score", maxScore);
            return filter;
        }

        private static void put(ObjectNode node, String name, String value) {
            if (value != null) {
                node.put(name, value);
            }
        }
    }

    abstract static class QuarantineCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Mixin
        Main.ConfigOption config = new Main.ConfigOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract ObjectNode request();

        abstract void print(JsonNode result, PrintWriter out);

        ObjectNode request(String command) {
            return QueueCommands.JSON.createObjectNode().put("command", QuarantineCommands.PREFIX + command)
                    .put("actor", "cli " + System.getProperty("user.name", "?"));
        }

        @Override
        public Integer call() throws Exception {
            ObjectNode request = request();
            if (request == null) {
                return 2;
            }
            JsonNode answer = execute(request);
            PrintWriter out = spec.commandLine().getOut();
            if (!answer.path("ok").asBoolean()) {
                spec.commandLine().getErr().println("portcullis quarantine: " + answer.path("error").asText());
                return 1;
            }
            print(answer.path("result"), out);
            out.flush();
            return 0;
        }

        private JsonNode execute(JsonNode request) throws Exception {
            return OfflineCommands.execute(data.path, config, request, (loaded, spool, telemetry) -> {
                Quarantine quarantine = new Quarantine(data.path.resolve("spool/quarantine"), spool, loaded.quarantine(),
                        telemetry, new AuditLog(data.path.resolve("audit.log")));
                quarantine.recover();
                return new QuarantineCommands(quarantine).execute(request);
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Held messages, newest first: id, age, reason, score, sender, subject, recipients.")
    static final class ListEntries extends QuarantineCommand {
        @CommandLine.Mixin
        FilterOptions filter = new FilterOptions();
        @Option(names = "--offset", defaultValue = "0", description = "Skip this many (paging).")
        int offset;
        @Option(names = "--limit", defaultValue = "50", description = "Show at most this many (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;
        @Option(names = "--all-nodes", description = "Every node's held messages, from the shared database (database: in --config).")
        boolean allNodes;

        @Override
        public Integer call() throws Exception {
            if (!allNodes) {
                return super.call();
            }
            PrintWriter out = spec.commandLine().getOut();
            io.portcullis.config.GatewayConfig loaded;
            try {
                loaded = config.load();
            } catch (io.portcullis.config.ConfigException e) {
                return Main.reportConfigErrors(e, spec.commandLine().getErr());
            }
            int code = QuarantineAcrossNodes.list(loaded, filter.json(), offset, limit, json, out, spec.commandLine().getErr());
            out.flush();
            return code;
        }

        @Override
        ObjectNode request() {
            ObjectNode request = request("list").put("offset", offset).put("limit", limit);
            request.set("filter", filter.json());
            return request;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            if (json) {
                out.println(result.toPrettyString());
                return;
            }
            out.printf("%-18s %-20s %-16s %6s  %s%n", "ID", "HELD AT", "REASON", "SCORE", "SENDER / SUBJECT / RECIPIENTS");
            for (JsonNode entry : result.path("entries")) {
                String score = entry.path("score").isNumber() ? String.format(java.util.Locale.ROOT, "%.1f",
                        entry.path("score").asDouble()) : "-";
                out.printf("%-18s %-20s %-16s %6s  <%s>%n", entry.path("id").asText(),
                        entry.path("arrival").asText().replaceFirst("\\.\\d+Z$", "Z"), entry.path("category").asText(),
                        score, entry.path("sender").asText());
                out.printf("%58s %s%n", "", entry.path("subject").asText(""));
                entry.path("recipients").properties().forEach(r -> out.printf("%58s -> <%s> %s%n", "", r.getKey(),
                        r.getValue().asText()));
            }
            out.println("-- " + result.path("entries").size() + " of " + result.path("total").asInt() + " held");
        }
    }

    abstract static class OneEntry extends QuarantineCommand {
        @Parameters(paramLabel = "ID", description = "The quarantine id (the queue id given at receipt).")
        String id;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One entry: envelope facts, per-recipient state and its journal.")
    static final class Show extends OneEntry {
        @Override
        ObjectNode request() {
            return request("show").put("id", id);
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            out.println(result.toPrettyString());
        }
    }

    @Command(name = "preview", mixinStandardHelpOptions = true, description = "Headers and a safe text preview (HTML as text; attachments listed, never opened).")
    static final class Preview extends OneEntry {
        @Override
        ObjectNode request() {
            return request("preview").put("id", id);
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            result.path("headers").forEach(h -> out.println(h.path(0).asText() + ": " + h.path(1).asText()));
            out.println();
            out.println(result.path("text").asText());
            if (result.path("truncated").asBoolean()) {
                out.println("[... cut short]");
            }
            for (JsonNode attachment : result.path("attachments")) {
                out.printf("[attachment: %s, %s, %d octets]%n", attachment.path("name").asText("(no name)"),
                        attachment.path("type").asText(), attachment.path("size").asLong());
            }
        }
    }

    @Command(name = "raw", mixinStandardHelpOptions = true, description = "The message as received (.eml) on standard output.")
    static final class Raw extends OneEntry {
        @Override
        public Integer call() throws Exception {
            if (!QueueId.isValid(id)) {
                spec.commandLine().getErr().println("portcullis quarantine: not a quarantine id: " + id);
                return 1;
            }
            try {
                StoredMessage message = StoredMessage.ofRecord(data.path.resolve("spool/quarantine/" + id + ".msg"));
                try (var in = message.open()) {
                    in.transferTo(System.out);
                }
                System.out.flush();
                return 0;
            } catch (java.nio.file.NoSuchFileException e) {
                spec.commandLine().getErr().println("portcullis quarantine: " + id + ": no such message in the quarantine");
                return 1;
            }
        }

        @Override
        ObjectNode request() {
            return null;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
        }
    }

    abstract static class Action extends QuarantineCommand {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "One entry; without it, every entry the filter matches.")
        String id;
        @CommandLine.Mixin
        FilterOptions filter = new FilterOptions();
        @Option(names = "--all", description = "With no ID and no filter: every entry.")
        boolean all;

        abstract String name();

        @Override
        ObjectNode request() {
            ObjectNode filterJson = filter.json();
            if (id != null && (!filterJson.isEmpty() || all)) {
                spec.commandLine().getErr().println("portcullis quarantine " + name() + ": give an ID or filters, not both");
                return null;
            }
            if (id == null && filterJson.isEmpty() && !all) {
                spec.commandLine().getErr().println("portcullis quarantine " + name() + ": give an ID, filters or --all");
                return null;
            }
            if (id != null) {
                return request(name()).put("id", id);
            }
            ObjectNode request = request(name() + "-matching").put("all", all);
            request.set("filter", filterJson);
            return request;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            out.println(name() + (name().endsWith("e") ? "d " : "ed ") + result.path("entries").asInt() + " message"
                    + (result.path("entries").asInt() == 1 ? "" : "s")
                    + (result.path("queued").isEmpty() ? "" : " (queued as " + String.join(" ",
                    QueueCommands.JSON.convertValue(result.path("queued"), String[].class)) + ")"));
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Queue held messages for delivery: one (all or --to recipients) or every match.")
    static final class Release extends Action {
        @Option(names = "--to", paramLabel = "ADDRESS", description = "Only these recipients (with an ID).")
        List<String> to = List.of();
        @Option(names = "--allow-sender", description = "Also add each message's sender to the allow list of every recipient"
                + " it is released to: later spam-held mail from that sender to them is delivered (see allow-list).")
        boolean allowSender;

        @Override
        String name() {
            return "release";
        }

        @Override
        ObjectNode request() {
            if (id == null && !to.isEmpty()) {
                // a release by filter goes to every held recipient of each match: --to would be ignored
                spec.commandLine().getErr().println("portcullis quarantine release: --to needs an ID (a release by filter"
                        + " goes to every held recipient of each match; narrow the match with --recipient)");
                return null;
            }
            ObjectNode request = super.request();
            if (request != null && id != null) {
                request.set("recipients", QueueCommands.JSON.valueToTree(to));
            }
            if (request != null && allowSender) {
                request.put("allow-sender", true);
            }
            return request;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            super.print(result, out);
            if (allowSender) {
                out.println("allowed " + result.path("allowed").asInt() + " sender/recipient pairs");
            }
        }
    }

    @Command(name = "allow-list", mixinStandardHelpOptions = true,
            description = "Each recipient's allowed senders (mail from them is not held for spam): list, add, remove.",
            subcommands = {AllowList.Show.class, AllowList.Add.class, AllowList.Remove.class})
    static final class AllowList {
        @Command(name = "list", mixinStandardHelpOptions = true, description = "Allowed senders, by recipient.")
        static final class Show extends QuarantineCommand {
            @Option(names = "--recipient", description = "Only recipients containing this text.")
            String recipient;

            @Override
            ObjectNode request() {
                ObjectNode request = request("allow-list");
                if (recipient != null) {
                    request.put("recipient", recipient);
                }
                return request;
            }

            @Override
            void print(JsonNode result, PrintWriter out) {
                for (JsonNode entry : result) {
                    out.printf("<%s> allows <%s> (%s, %s)%n", entry.path("recipient").asText(), entry.path("sender").asText(),
                            entry.path("added").asText().replaceFirst("\\.\\d+Z$", "Z"), entry.path("actor").asText());
                }
                out.println("-- " + result.size() + " entries");
            }
        }

        abstract static class Change extends QuarantineCommand {
            @Parameters(index = "0", paramLabel = "RECIPIENT", description = "The recipient whose list changes.")
            String recipient;
            @Parameters(index = "1", paramLabel = "SENDER", description = "The sender address.")
            String sender;

            abstract String name();

            @Override
            ObjectNode request() {
                return request("allow-" + name()).put("recipient", recipient).put("sender", sender);
            }

            @Override
            void print(JsonNode result, PrintWriter out) {
                out.println((result.path("changed").asBoolean() ? name().equals("add") ? "added" : "removed"
                        : name().equals("add") ? "already allowed:" : "not on the list:")
                        + " <" + result.path("sender").asText() + "> for <" + result.path("recipient").asText() + ">");
            }
        }

        @Command(name = "add", mixinStandardHelpOptions = true, description = "Allow SENDER for RECIPIENT.")
        static final class Add extends Change {
            @Override
            String name() {
                return "add";
            }
        }

        @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove SENDER from RECIPIENT's list.")
        static final class Remove extends Change {
            @Override
            String name() {
                return "remove";
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete held messages: one, or every match (the count is printed).")
    static final class Delete extends Action {
        @Override
        String name() {
            return "delete";
        }
    }

    @Command(name = "digest", mixinStandardHelpOptions = true, description = "Queue a digest for every recipient with held mail now (the gateway must run).")
    static final class Digest implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode answer = ControlClient.send(data.path, QueueCommands.JSON.createObjectNode().put("command", "quarantine-digest"));
            if (answer == null || !answer.path("ok").asBoolean()) {
                spec.commandLine().getErr().println("portcullis quarantine digest: " + (answer == null
                        ? "no gateway runs on " + data.path : answer.path("error").asText()));
                return 1;
            }
            spec.commandLine().getOut().println("queued " + answer.path("result").size() + " digests");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
