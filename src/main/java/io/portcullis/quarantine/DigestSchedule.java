package io.portcullis.quarantine;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * When digests go out: at {@code at} (a time of day in {@code zone}), then every {@code interval}
 * — below a day, a divisor of it (08:00 and 20:00 for 12h), each day anew; above, whole days
 * counted from the epoch (every second day: the even epoch days). A wall-clock time that a
 * daylight-saving change skips is taken as the zone moves it (02:30 on the spring day is 03:30).
 */
public record DigestSchedule(LocalTime at, ZoneId zone, Duration interval) {

    /** The first digest time strictly after {@code after}. */
    public Instant next(Instant after) {
        long days = Math.max(1, interval.toDays());
        long slots = interval.compareTo(Duration.ofDays(1)) < 0 ? Duration.ofDays(1).toMinutes() / Math.max(1, interval.toMinutes()) : 1;
        LocalDate day = after.atZone(zone).toLocalDate().minusDays(1);
        for (int d = 0; d <= days + 2; d++, day = day.plusDays(1)) {
            if (days > 1 && Math.floorMod(day.toEpochDay(), days) != 0) {
                continue;
            }
            for (long k = 0; k < slots; k++) {
                LocalDateTime local = day.atTime(at).plus(interval.multipliedBy(k));
                Instant candidate = local.atZone(zone).toInstant();
                if (candidate.isAfter(after)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("no digest time after " + after); // unreachable: a day has a slot
    }
}
