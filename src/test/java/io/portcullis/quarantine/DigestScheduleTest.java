package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The next digest time: a time of day in a zone, then every interval; across DST and day ends. */
class DigestScheduleTest {
    @ParameterizedTest(name = "{0} in {1} every {2}, after {3}: {4}")
    @CsvSource({
            "08:00, UTC,           P1D,   2026-12-01T07:59:59Z, 2026-12-01T08:00:00Z",
            "08:00, UTC,           P1D,   2026-12-01T08:00:00Z, 2026-12-02T08:00:00Z",
            "08:00, Europe/Berlin, P1D,   2026-12-01T06:30:00Z, 2026-12-01T07:00:00Z",
            "08:00, Europe/Berlin, P1D,   2026-07-01T06:30:00Z, 2026-07-02T06:00:00Z",
            "08:00, UTC,           PT12H, 2026-12-01T09:00:00Z, 2026-12-01T20:00:00Z",
            "20:00, UTC,           PT12H, 2026-12-01T09:00:00Z, 2026-12-01T20:00:00Z",
            "20:00, UTC,           PT12H, 2026-12-01T21:00:00Z, 2026-12-02T08:00:00Z",
            "00:30, UTC,           PT6H,  2026-12-01T23:59:00Z, 2026-12-02T00:30:00Z",
            "02:30, Europe/Berlin, P1D,   2026-03-29T00:00:00Z, 2026-03-29T01:30:00Z",
            "08:00, UTC,           P2D,   2026-12-01T09:00:00Z, 2026-12-03T08:00:00Z",
    })
    void nextDigestTime(String at, String zone, String interval, String after, String expected) {
        DigestSchedule schedule = new DigestSchedule(LocalTime.parse(at), ZoneId.of(zone), Duration.parse(interval));
        assertThat(schedule.next(Instant.parse(after))).isEqualTo(Instant.parse(expected));
    }
}
