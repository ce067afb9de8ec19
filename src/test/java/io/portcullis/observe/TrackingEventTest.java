package io.portcullis.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Json;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hand-written JSON of the tracking log is exactly what Jackson writes for the record. */
class TrackingEventTest {
    static List<TrackingEvent> events() {
        return List.of(
                new TrackingEvent(Instant.parse("2026-11-28T04:45:37.855539971Z"), "RECEIVE", "D241WHSD2RBK",
                        "<1864.000c@vm>", "inbound", "inbound", "127.0.0.1", "bench@bench.test",
                        List.of("user@example.test", "other@example.test"), 1310L, null, null, null, null),
                new TrackingEvent(Instant.parse("2026-11-28T04:45:38Z"), "REJECT", null, null, "inbound", "inbound",
                        "::1", "", List.of(), null, null, null, "550 5.7.1 \"quoted\" \\ back\tslash",
                        "header-check", "mail.\u00e9xample.test", "rcpt", "block-lists", null),
                new TrackingEvent(Instant.parse("2026-11-28T04:45:38.100Z"), "DELIVER", "Q", null, null, "outbound", null,
                        "s\u00e9nder@exampl\u00e9.test", List.of("r\u0001\u001f@x.test"), 0L, "internet", "mx.example.test",
                        "250 2.0.0 Ok\r\nsecond", null, null, null, null, "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane"),
                new TrackingEvent(Instant.parse("2026-11-28T04:45:38.100200Z"), "HOLD", null, null, null, null, null, null,
                        null, null, null, null, null, "admin\b\f"));
    }

    @ParameterizedTest
    @MethodSource("events")
    void handWrittenJsonEqualsJacksons(TrackingEvent event) throws Exception {
        assertThat(event.toJson()).isEqualTo(Json.MAPPER.writeValueAsString(event));
        assertThat(Json.MAPPER.readValue(event.toJson(), TrackingEvent.class)).isEqualTo(event);
    }
}
