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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrackingEvent(Instant time, String event, String queueId, String messageId, String listener, String flow,
                            String client, String sender, List<String> recipients, Long size, String connector,
                            String remoteHost, String reply, String reason) {
}
