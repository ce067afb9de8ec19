package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.GatewayConfig;
import io.portcullis.observe.HourlyAggregates;
import io.portcullis.observe.Telemetry;
import io.portcullis.observe.TrackingLog;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a command that acts on the spool reaches it: through the running gateway's control socket,
 * or, when none runs, directly on the data directory under its lock, with the same code.
 */
final class OfflineCommands {
    private OfflineCommands() {
    }

    /** The work done on the spool when no gateway runs. */
    interface Work {
        JsonNode run(GatewayConfig config, Spool spool, Telemetry telemetry) throws Exception;
    }

    static JsonNode execute(Path dataDirectory, Main.ConfigOption config, JsonNode request, Work work) throws Exception {
        JsonNode answer = ControlClient.send(dataDirectory, request);
        if (answer != null) {
            return answer;
        }
        try (DataDirectoryLock lock = DataDirectoryLock.tryLock(dataDirectory)) {
            if (lock == null) {
                throw new IOException("a gateway holds " + dataDirectory + " but its control socket does not answer");
            }
            GatewayConfig loaded = config.load();
            Spool spool = new Spool(dataDirectory.resolve("spool"), 0, loaded.nodeId());
            spool.recover();
            try (Telemetry telemetry = new Telemetry(new TrackingLog(dataDirectory.resolve("tracking"),
                    loaded.trackingRetention()), new HourlyAggregates(dataDirectory.resolve("reports")), loaded.nodeId())) {
                spool.onCommit(telemetry::received);
                return work.run(loaded, spool, telemetry);
            } finally {
                spool.close();
            }
        }
    }
}
