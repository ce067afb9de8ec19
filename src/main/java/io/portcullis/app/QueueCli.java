package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.delivery.DeliveryScheduler;
import io.portcullis.delivery.QueueService;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis queue ...}: talks to the running gateway over its control socket; when none
 * runs, takes the data directory lock and applies the same commands to the spool directly.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "List and steer the queue (works whether or not the gateway runs).",
        subcommands = {QueueCli.ListQueue.class, QueueCli.Show.class, QueueCli.Retry.class, QueueCli.Hold.class,
                QueueCli.Release.class, QueueCli.Delete.class, QueueCli.Bounce.class, QueueCli.Flush.class,
                QueueCat.class})
final class QueueCli {

    abstract static class QueueCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Mixin
        Main.ConfigOption config = new Main.ConfigOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract String command();

        String id() {
            return null;
        }

        /** The request sent to the gateway (or run on the spool directly). */
        com.fasterxml.jackson.databind.node.ObjectNode request() throws Exception {
            return QueueCommands.request(command(), id());
        }

        @Override
        public Integer call() throws Exception {
            JsonNode answer = execute(request());
            PrintWriter out = spec.commandLine().getOut();
            if (!answer.path("ok").asBoolean()) {
                spec.commandLine().getErr().println("portcullis queue: " + answer.path("error").asText());
                return 1;
            }
            JsonNode result = answer.path("result");
            if (result.path("done").isBoolean() && !result.path("done").asBoolean()) {
                spec.commandLine().getErr().println(result.path("id").asText() + ": " + result.path("message").asText());
                return 1;
            }
            print(result, out);
            out.flush();
            return 0;
        }

        void print(JsonNode result, PrintWriter out) {
            for (JsonNode one : result.isArray() ? result : java.util.List.of(result)) {
                out.println(one.path("id").asText() + ": " + one.path("message").asText());
            }
        }

        private JsonNode execute(JsonNode request) throws Exception {
            return OfflineCommands.execute(data.path, config, request, (loaded, spool, telemetry) -> {
                DeliveryScheduler scheduler = new DeliveryScheduler(spool, loaded.routes(), loaded.delivery(), Map.of(),
                        loaded.hostname(), telemetry);
                scheduler.load();
                return new QueueCommands(new QueueService(scheduler),
                        new io.portcullis.quarantine.AuditLog(data.path.resolve("audit.log"))).execute(request);
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per queued message: id, age, size, flow, state, sender, open recipients.")
    static final class ListQueue extends QueueCommand {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        String command() {
            return "list";
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            if (json) {
                out.println(result.toPrettyString());
                return;
            }
            out.printf("%-18s %6s %9s %-9s %-8s %s%n", "ID", "AGE", "SIZE", "FLOW", "STATE", "SENDER / RECIPIENTS");
            for (JsonNode entry : result) {
                String state = entry.path("held").asBoolean() ? "held" : entry.path("inProgress").asBoolean() ? "sending"
                        : "next " + until(Instant.parse(entry.path("nextAttempt").asText()));
                String sender = entry.path("sender").asText();
                out.printf("%-18s %6s %9d %-9s %-8s <%s>%n", entry.path("id").asText(), age(entry.path("ageSeconds").asLong()),
                        entry.path("size").asLong(), entry.path("flow").asText(), state, sender);
                for (JsonNode recipient : entry.path("recipients")) {
                    out.printf("%48s -> <%s>%n", "", recipient.asText());
                }
                if (!entry.path("lastError").isNull() && !entry.path("lastError").isMissingNode()) {
                    out.printf("%48s (%s, %d attempts)%n", "", entry.path("lastError").asText(), entry.path("attempts").asInt());
                }
            }
            out.println("-- " + result.size() + " message" + (result.size() == 1 ? "" : "s"));
        }

        private static String until(Instant next) {
            long seconds = Duration.between(Instant.now(), next).toSeconds();
            return seconds <= 0 ? "now" : age(seconds);
        }

        private static String age(long seconds) {
            return seconds < 120 ? seconds + "s" : seconds < 7200 ? seconds / 60 + "m" : seconds < 172800 ? seconds / 3600 + "h"
                    : seconds / 86400 + "d";
        }
    }

    abstract static class OneMessage extends QueueCommand {
        @Parameters(paramLabel = "ID", description = "The queue id.")
        String id;

        @Override
        String id() {
            return id;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Everything about one message: envelope and delivery journal.")
    static final class Show extends OneMessage {
        @Override
        String command() {
            return "show";
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            if (result.isNull()) {
                out.println(id + ": no such message in the queue");
            } else {
                out.println(result.toPrettyString());
            }
        }
    }

    /**
     * A command on many messages at once: ids, ids from standard input, or a query. Each message is
     * done or not on its own; the counts end the output.
     */
    abstract static class BulkCommand extends QueueCommand {
        @CommandLine.Mixin
        QueueSelection selection = new QueueSelection();

        /** What a done message was, for the count: "held", "released", ... */
        abstract String done();

        @Override
        public Integer call() throws Exception {
            if (selection.isEmpty()) {
                spec.commandLine().getErr().println("portcullis queue " + command()
                        + ": give queue ids, - (ids on standard input), --all, or a query (--from, --to, --flow, --older-than, --state)");
                return 2;
            }
            return super.call();
        }

        @Override
        com.fasterxml.jackson.databind.node.ObjectNode request() throws Exception {
            if (selection.ids.size() == 1 && !selection.ids.getFirst().equals("-") && !selection.hasQuery()) {
                return QueueCommands.request(command(), selection.ids.getFirst()); // one message: its own exit code
            }
            com.fasterxml.jackson.databind.node.ObjectNode request = QueueCommands.request(command(), null);
            try {
                selection.addTo(request, System.in);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            return request;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            if (!result.isArray()) {
                super.print(result, out);
                return;
            }
            int done = 0;
            for (JsonNode one : result) {
                out.println(one.path("id").asText() + ": " + one.path("message").asText());
                done += one.path("done").asBoolean() ? 1 : 0;
            }
            out.println("-- " + done + " message" + (done == 1 ? "" : "s") + " " + done() + ", "
                    + (result.size() - done) + " skipped");
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Attempt delivery now (the messages not held), like postqueue -i and postsuper -r.")
    static final class Retry extends BulkCommand {
        @Override
        String command() {
            return "retry";
        }

        @Override
        String done() {
            return "scheduled";
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Stop delivery attempts until released, like postsuper -h.")
    static final class Hold extends BulkCommand {
        @Override
        String command() {
            return "hold";
        }

        @Override
        String done() {
            return "held";
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Let held messages be delivered again, like postsuper -H.")
    static final class Release extends BulkCommand {
        @Override
        String command() {
            return "release";
        }

        @Override
        String done() {
            return "released";
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Remove messages without telling their senders, like postsuper -d.")
    static final class Delete extends BulkCommand {
        @Override
        String command() {
            return "delete";
        }

        @Override
        String done() {
            return "deleted";
        }
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Return messages to their senders with a DSN, then remove them.")
    static final class Bounce extends BulkCommand {
        @Override
        String command() {
            return "bounce";
        }

        @Override
        String done() {
            return "returned";
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Attempt delivery now of every message not held, or of those with a recipient in DOMAIN "
                    + "(postqueue -f, postqueue -s).")
    static final class Flush extends QueueCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "Only messages with an open recipient in this domain.")
        String domain;

        @Override
        String command() {
            return "flush";
        }

        @Override
        com.fasterxml.jackson.databind.node.ObjectNode request() throws Exception {
            com.fasterxml.jackson.databind.node.ObjectNode request = QueueCommands.request("flush", null);
            if (domain != null) {
                request.put("domain", domain);
            }
            return request;
        }

        @Override
        void print(JsonNode result, PrintWriter out) {
            result.forEach(one -> out.println(one.path("id").asText() + ": " + one.path("message").asText()));
            out.println("-- " + result.size() + " message" + (result.size() == 1 ? "" : "s") + " flushed");
        }
    }
}
