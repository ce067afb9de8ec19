package io.portcullis.app;

import io.portcullis.admin.AdminServer;
import io.portcullis.delivery.QueueService;
import io.portcullis.listener.Listener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@code portcullis status} shows of a running gateway. */
final class GatewayStatus {
    private GatewayStatus() {
    }

    /** {@code portcullis status}: version, configuration, listeners, spool, queue by flow and state, connectors. */
    static Map<String, Object> of(Gateway gateway) {
        Map<String, Object> status = new java.util.LinkedHashMap<>();
        status.put("version", Main.VERSION);
        status.put("configuration", gateway.config().source());
        AdminServer.Health health = gateway.health();
        status.put("ready", health.ready());
        status.put("node", gateway.config().nodeId());
        status.put("draining", health.draining());
        List<Map<String, Object>> listenerStatus = new ArrayList<>();
        for (Listener listener : gateway.listeners()) {
            Map<String, Object> one = new java.util.LinkedHashMap<>();
            one.put("name", listener.name());
            one.put("flow", listener.config().flow());
            one.put("addresses", listener.boundAddresses().stream().map(Object::toString).toList());
            one.put("up", listener.isUp());
            listenerStatus.add(one);
        }
        status.put("listeners", listenerStatus);
        status.put("spool", Map.of("writable", health.spoolWritable(), "freeSpaceAboveMinimum", health.diskHeadroom()));
        Map<String, Map<String, Integer>> queue = new java.util.TreeMap<>();
        for (QueueService.Entry entry : new QueueService(gateway.scheduler()).list(e -> true)) {
            Map<String, Integer> byState = queue.computeIfAbsent(entry.flow(), f -> new java.util.TreeMap<>());
            byState.merge("messages", 1, Integer::sum);
            byState.merge(entry.held() ? "held" : entry.inProgress() ? "sending" : entry.attempts() > 0 ? "deferred" : "new",
                    1, Integer::sum);
        }
        status.put("queue", queue);
        status.put("connectors", gateway.telemetry().summary().connectors());
        return status;
    }
}
