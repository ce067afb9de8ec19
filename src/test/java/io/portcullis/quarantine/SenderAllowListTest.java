package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.spool.DiskSync;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The allow list's canonical forms (domain folded, local part as received, +tag removed), bounds and durability. */
class SenderAllowListTest {
    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NULL", value = {
            "news@Shop.EXAMPLE,          news@shop.example",
            "<News@shop.example>,        News@shop.example",
            "news+4711@shop.example,     news@shop.example",
            "news+a+b@shop.example,      news@shop.example",
            "'\"a+b\"@shop.example',     '\"a+b\"@shop.example'",
            "+tag@shop.example,          +tag@shop.example",
            "'',                         NULL",
            "no-at-sign,                 NULL",
            "user@,                      NULL",
    })
    void canonicalForms(String address, String canonical) {
        assertThat(SenderAllowList.canonical(address)).isEqualTo(canonical);
    }

    @Test
    void boundedAndDurable() throws Exception {
        Path file = directory.resolve("quarantine-allowed-senders");
        SenderAllowList list = new SenderAllowList(file, 2, 3, DiskSync.SYSTEM);
        Instant now = Instant.parse("2026-12-01T08:00:00Z");
        assertThat(list.add("a@example.test", "x@one.test", "test", now)).isTrue();
        assertThat(list.add("a@EXAMPLE.test", "x+1@ONE.test", "test", now)).isFalse(); // the same entry
        assertThat(list.add("a@example.test", "y@two.test", "test", now)).isTrue();
        assertThatThrownBy(() -> list.add("a@example.test", "z@three.test", "test", now))
                .isInstanceOf(SenderAllowList.Full.class).hasMessageContaining("(2 senders)");
        assertThat(list.add("b@example.test", "x@one.test", "test", now)).isTrue();
        assertThatThrownBy(() -> list.add("c@example.test", "x@one.test", "test", now))
                .isInstanceOf(SenderAllowList.Full.class).hasMessageContaining("3 entries in all");
        assertThatThrownBy(() -> list.add("a@example.test", "", "test", now)).isInstanceOf(IllegalArgumentException.class);
        assertThat(list.allows("a+news@example.test", "x@one.test")).isTrue();
        assertThat(list.allows("A@example.test", "x@one.test")).isFalse(); // the local part as received
        assertThat(list.allows("a@example.test", "")).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        SenderAllowList reread = new SenderAllowList(file, 2, 3, DiskSync.SYSTEM);
        assertThat(reread.size()).isEqualTo(3);
        assertThat(reread.remove("a@example.test", "y@two.test")).isTrue();
        assertThat(reread.remove("a@example.test", "y@two.test")).isFalse();
        assertThat(new SenderAllowList(file, 2, 3, DiskSync.SYSTEM).list("a@")).extracting(SenderAllowList.Entry::sender)
                .containsExactly("x@one.test");
        try (var files = Files.list(directory)) {
            assertThat(files).hasSize(1); // no temporary file left behind
        }
    }
}
