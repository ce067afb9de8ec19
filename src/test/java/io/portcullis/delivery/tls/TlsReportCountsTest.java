package io.portcullis.delivery.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counts behind TLS reports: kept across a restart, split by UTC day, bounded against a flood. */
class TlsReportCountsTest {
    private static final TlsReportResult.Policy STS = new TlsReportResult.Policy(TlsReportResult.PolicyType.STS,
            List.of("version: STSv1", "mode: testing", "mx: mx.a.test", "max_age: 86400"), List.of("mx.a.test"));

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));

    private static TlsReportResult.Failure mismatch(String host) {
        return new TlsReportResult.Failure(TlsReportResult.ResultType.CERTIFICATE_HOST_MISMATCH, host, "192.0.2.1", "wrong name");
    }

    @Test
    void countsSurviveARestart() throws Exception {
        TlsReports reports = new TlsReports(data, 100, clock);
        reports.record("a.test", STS, new TlsReportResult.Success());
        reports.record("a.test", STS, new TlsReportResult.Success());
        reports.record("a.test", STS, mismatch("mx.a.test"));
        reports.record("a.test", TlsReportResult.Policy.NONE, new TlsReportResult.Success());
        reports.flush();
        Path file = data.resolve("2026-11-30.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        TlsReports restarted = new TlsReports(data, 100, clock);
        List<TlsReports.Period> due = restarted.takeDue(true);
        assertThat(due).hasSize(1);
        List<TlsReports.PolicyCounts> counts = due.getFirst().domains().get("a.test");
        assertThat(counts).hasSize(2);
        assertThat(counts.getFirst().policyType()).isEqualTo("sts");
        assertThat(counts.getFirst().successful()).isEqualTo(2);
        assertThat(counts.getFirst().failed()).isEqualTo(1);
        assertThat(counts.getFirst().details()).containsExactly(new TlsReports.Detail("certificate-host-mismatch", "mx.a.test",
                "192.0.2.1", "wrong name", 1));
        assertThat(counts.get(1).policyType()).isEqualTo("no-policy-found");
        assertThat(file).as("sent counts are gone").doesNotExist();
    }

    @Test
    void finishedDaysAreDueAndTodayOnlyOnRequest() throws Exception {
        TlsReports reports = new TlsReports(data, 100, clock);
        reports.record("a.test", STS, new TlsReportResult.Success());
        clock.advance(Duration.ofDays(1));
        reports.record("a.test", STS, mismatch("mx.a.test"));
        List<TlsReports.Period> due = reports.takeDue(false);
        assertThat(due).extracting(TlsReports.Period::day).containsExactly(LocalDate.parse("2026-11-30"));
        assertThat(due.getFirst().start()).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        assertThat(reports.takeDue(false)).isEmpty();
        List<TlsReports.Period> today = reports.takeDue(true);
        assertThat(today).extracting(TlsReports.Period::day).containsExactly(LocalDate.parse("2026-12-01"));
        reports.record("a.test", STS, new TlsReportResult.Success());
        assertThat(reports.takeDue(true).getFirst().start()).as("counting restarted when today's report went")
                .isEqualTo(clock.instant());
    }

    @Test
    void aFloodOfDomainsAndDetailsIsBounded() throws Exception {
        TlsReports reports = new TlsReports(data, 3, clock);
        for (int i = 0; i < 10; i++) {
            reports.record("d" + i + ".test", STS, new TlsReportResult.Success());
        }
        for (int i = 0; i < 500; i++) {
            reports.record("d0.test", STS, mismatch("mx" + i + ".d0.test" + "x".repeat(1000)));
        }
        TlsReports.Period period = reports.takeDue(true).getFirst();
        assertThat(period.domains()).containsOnlyKeys("d0.test", "d1.test", "d2.test");
        TlsReports.PolicyCounts counts = period.domains().get("d0.test").getFirst();
        assertThat(counts.failed()).as("every failure is in the summary").isEqualTo(500);
        assertThat(counts.details()).hasSize(TlsReports.MAX_DETAILS);
        assertThat(counts.details()).allSatisfy(detail -> assertThat(detail.receivingMxHostname()).hasSizeLessThanOrEqualTo(256));
    }

    @Test
    void aDamagedFileIsSetAsideNotTrusted() throws Exception {
        Files.writeString(data.resolve("2026-11-29.json"), "{\"day\":\"2026-11-29\",\"domains\":{\"a.test\":[{\"policyType\":\"bogus\"");
        TlsReports reports = new TlsReports(data, 100, clock);
        assertThat(reports.takeDue(true)).isEmpty();
        assertThat(data.resolve("2026-11-29.json.damaged")).exists();
    }
}
