package io.portcullis.config;

import java.nio.file.Path;

/**
 * Where the gateway's log goes, besides standard output (which under systemd is the journal, with
 * each line's priority): the {@code logging:} section, applied at start and at every reload.
 *
 * @param level         the least severe level written for Portcullis's own loggers: error, warn,
 *                      info, debug or trace (the mail log, logger {@code portcullis.mail}, is info);
 *                      null leaves it as logback.xml set it (info, or the {@code portcullis.log.level}
 *                      system property)
 * @param file          a log file, rotated by size and day; null for none
 * @param fileMaxSize   the size at which the file is rotated
 * @param fileMaxHistory how many days of rotated files are kept
 * @param syslogHost    a syslog server to send every line to over UDP (facility mail); null for none
 * @param syslogPort    its port
 * @param syslogFacility the facility, mail by default (RFC 5424 §6.2.1 names)
 */
public record LoggingConfig(String level, Path file, long fileMaxSize, int fileMaxHistory, String syslogHost,
                            int syslogPort, String syslogFacility) {
    public static final java.util.List<String> LEVELS = java.util.List.of("error", "warn", "info", "debug", "trace");
    public static final java.util.List<String> FACILITIES = java.util.List.of("mail", "daemon", "user", "local0", "local1",
            "local2", "local3", "local4", "local5", "local6", "local7");

    /** Standard output only, at the level logback.xml sets. */
    public static final LoggingConfig DEFAULT = new LoggingConfig(null, null,
            100L * 1024 * 1024, 30, null, 514, "mail");
}
