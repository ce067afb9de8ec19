package io.portcullis.observe;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One line of the message tracking log. Absent facts are left out of the JSON.
 *
 * @param event    RECEIVE, REJECT, QUEUE, DELIVER, DEFER, BOUNCE, EXPIRE, HOLD, RELEASE, DELETE
 * @param reply    the SMTP reply that decided it (ours for REJECT, the next hop's for DELIVER...)
 * @param reason   a label for refusals and administrative actions ("relay", "spoof", "admin")
 * @param tls      for delivery events: how the attempt used TLS ("TLSv1.3 TLS_AES_256_GCM_SHA384
 *                 verified=dane", "none", "failed")
 * @param node     the node that wrote the event ({@code node-id}); absent in logs written before node ids
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrackingEvent(Instant time, String event, String queueId, String messageId, String listener, String flow,
                            String client, String sender, List<String> recipients, Long size, String connector,
                            String remoteHost, String reply, String reason, String helo, String phase,
                            String check, String tls, String node) {

    /** Without a node: {@link io.portcullis.observe.Telemetry} fills in its own when it writes the event. */
    public TrackingEvent(Instant time, String event, String queueId, String messageId, String listener, String flow,
                         String client, String sender, List<String> recipients, Long size, String connector,
                         String remoteHost, String reply, String reason, String helo, String phase,
                         String check, String tls) {
        this(time, event, queueId, messageId, listener, flow, client, sender, recipients, size, connector, remoteHost,
                reply, reason, helo, phase, check, tls, null);
    }

    public TrackingEvent(Instant time, String event, String queueId, String messageId, String listener, String flow,
                         String client, String sender, List<String> recipients, Long size, String connector,
                         String remoteHost, String reply, String reason) {
        this(time, event, queueId, messageId, listener, flow, client, sender, recipients, size, connector, remoteHost,
                reply, reason, null, null, null, null, null);
    }

    /** This event as written by {@code node}. */
    public TrackingEvent withNode(String node) {
        return new TrackingEvent(time, event, queueId, messageId, listener, flow, client, sender, recipients, size,
                connector, remoteHost, reply, reason, helo, phase, check, tls, node);
    }

    /**
     * The JSON line, written by hand: three events go by for every message, and this is what
     * Jackson writes for the record (absent facts left out, the time as ISO-8601 text), without
     * its reflection on the hot path. {@code TrackingEventTest} holds the two equal.
     */
    public String toJson() {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "time", time == null ? null : time.toString());
        field(json, "event", event);
        field(json, "queueId", queueId);
        field(json, "messageId", messageId);
        field(json, "listener", listener);
        field(json, "flow", flow);
        field(json, "client", client);
        field(json, "sender", sender);
        if (recipients != null) {
            separator(json).append("\"recipients\":[");
            for (int i = 0; i < recipients.size(); i++) {
                if (i > 0) {
                    json.append(',');
                }
                quoted(json, recipients.get(i));
            }
            json.append(']');
        }
        if (size != null) {
            separator(json).append("\"size\":").append(size.longValue());
        }
        field(json, "connector", connector);
        field(json, "remoteHost", remoteHost);
        field(json, "reply", reply);
        field(json, "reason", reason);
        field(json, "helo", helo);
        field(json, "phase", phase);
        field(json, "check", check);
        field(json, "tls", tls);
        field(json, "node", node);
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        if (value != null) {
            separator(json).append('"').append(name).append("\":");
            quoted(json, value);
        }
    }

    private static StringBuilder separator(StringBuilder json) {
        return json.length() > 1 ? json.append(',') : json;
    }

    /** A JSON string as Jackson writes it: quote, backslash and control characters escaped. */
    private static void quoted(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04X", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
