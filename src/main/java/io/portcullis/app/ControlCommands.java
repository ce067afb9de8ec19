package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.config.ConfigDiff;
import io.portcullis.config.ConfigException;
import io.portcullis.config.GatewayConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The control socket's commands for a running gateway (what the CLI sends when a gateway runs). */
final class ControlCommands {
    private final Gateway gateway;
    private final QueueCommands queueCommands;

    ControlCommands(Gateway gateway, QueueCommands queueCommands) {
        this.gateway = gateway;
        this.queueCommands = queueCommands;
    }

    /** The control socket's commands: the queue's, plus reload, diff-config, tls-reports-send, drain, undrain and drain-status. */
    JsonNode execute(JsonNode request) {
        String command = request.path("command").asText();
        if (command.equals("tls-reports-send")) {
            return QueueCommands.JSON.createObjectNode().put("ok", true)
                    .set("result", QueueCommands.JSON.valueToTree(gateway.mtaSts().sendDue(true)));
        }
        if (command.equals("health")) { // portcullis health: the readiness check of the service unit
            ObjectNode answer = QueueCommands.JSON.createObjectNode();
            return answer.put("ok", true).set("result", QueueCommands.JSON.valueToTree(gateway.health()));
        }
        if (command.equals("drain") || command.equals("undrain") || command.equals("drain-status")) {
            try {
                Map<String, Object> result = switch (command) {
                    case "drain" -> gateway.drain();
                    case "undrain" -> gateway.undrain();
                    default -> gateway.drainStatus();
                };
                return QueueCommands.JSON.createObjectNode().put("ok", true).set("result", QueueCommands.JSON.valueToTree(result));
            } catch (IOException e) {
                return QueueCommands.JSON.createObjectNode().put("ok", false).put("error", e.getMessage());
            }
        }
        if (command.equals("status")) {
            return QueueCommands.JSON.createObjectNode().put("ok", true).set("result", QueueCommands.JSON.valueToTree(gateway.status()));
        }
        if (command.equals("quarantine-digest")) {
            try {
                return QueueCommands.JSON.createObjectNode().put("ok", true)
                        .set("result", QueueCommands.JSON.valueToTree(gateway.sendQuarantineDigests()));
            } catch (IOException e) {
                return QueueCommands.JSON.createObjectNode().put("ok", false).put("error", e.getMessage());
            }
        }
        if (command.startsWith(QuarantineCommands.PREFIX)) {
            return new QuarantineCommands(gateway.quarantine()).execute(request);
        }
        if (!command.equals("reload") && !command.equals("diff-config")) {
            return queueCommands.execute(request);
        }
        ObjectNode answer = QueueCommands.JSON.createObjectNode();
        String path = request.path("path").asText(null);
        try {
            GatewayConfig candidate = gateway.candidate(path);
            List<String> changes = command.equals("reload") ? gateway.reload(candidate) : ConfigDiff.between(gateway.config(), candidate);
            answer.put("ok", true).set("result", QueueCommands.JSON.valueToTree(changes));
        } catch (ConfigException e) {
            answer.put("ok", false).put("error", String.join("\n", e.errors()));
        } catch (IOException e) {
            answer.put("ok", false).put("error", "the new configuration could not be applied: " + e.getMessage());
        }
        return answer;
    }
}
