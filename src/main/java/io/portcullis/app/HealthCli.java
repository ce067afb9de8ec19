package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code portcullis health}: is the gateway on this data directory up and ready (every listener
 * bound, the spool writable with disk headroom)? Exit 0 ready, 1 not. With {@code --wait} it asks
 * until ready or the time is up, which makes it the service unit's readiness check
 * ({@code ExecStartPost=}: {@code systemctl start} returns once the gateway takes mail). With
 * {@code --url} it asks the admin server's {@code /health} instead of the control socket (the
 * container image's HEALTHCHECK).
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Tell whether the running gateway is ready (exit 0) or not (exit 1).")
final class HealthCli implements Callable<Integer> {
    private static final long POLL_MILLIS = 250;

    @CommandLine.Mixin
    Main.DataDirectoryOption data = new Main.DataDirectoryOption();

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "0s",
            description = "Ask again until ready or this much time has passed (30s, 2m; default: ask once).")
    String wait;

    @Option(names = "--url", paramLabel = "URL",
            description = "Ask this /health URL of the admin server instead of the control socket.")
    URI url;

    @Option(names = "--quiet", description = "Print nothing; the exit status tells.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Duration patience = duration(wait);
        if (patience == null) {
            spec.commandLine().getErr().println("portcullis health: --wait takes a duration such as 30s or 2m");
            return Main.CONFIG_ERROR;
        }
        long deadline = System.nanoTime() + patience.toNanos();
        String answer = ask();
        while (!answer.startsWith("ready") && System.nanoTime() - deadline < 0) {
            Thread.sleep(POLL_MILLIS);
            answer = ask();
        }
        if (!quiet) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(answer);
            out.flush();
        }
        return answer.startsWith("ready") ? 0 : 1;
    }

    /** "90s", "2m", "500ms", "1h" to a duration, or null. */
    static Duration duration(String text) {
        var matcher = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(text.strip());
        if (!matcher.matches()) {
            return null;
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** One look: "ready ...", or what is wrong. */
    private String ask() {
        if (url != null) {
            return askAdmin();
        }
        var answer = ControlClient.send(data.path, QueueCommands.request("health", null));
        if (answer == null) {
            return "not running: no gateway answers on " + data.path.toAbsolutePath().normalize();
        }
        return describe(answer.path("result"));
    }

    private String askAdmin() {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body().strip();
            return response.statusCode() == 200 ? "ready: " + body : "not ready (HTTP " + response.statusCode() + "): " + body;
        } catch (java.io.IOException e) {
            return "not running: " + url + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not running: interrupted";
        }
    }

    private static String describe(JsonNode health) {
        StringBuilder text = new StringBuilder(health.path("ready").asBoolean() ? "ready:" : "not ready:");
        if (health.path("draining").asBoolean()) {
            text.append(" DRAINING (portcullis undrain to accept again),");
        }
        health.path("listeners").properties().forEach(listener -> text.append(" listener ").append(listener.getKey())
                .append(listener.getValue().asBoolean() ? " up," : " DOWN,"));
        text.append(" spool ").append(health.path("spoolWritable").asBoolean() ? "writable" : "NOT WRITABLE");
        text.append(health.path("diskHeadroom").asBoolean() ? ", disk headroom" : ", disk nearly FULL");
        return text.toString();
    }
}
