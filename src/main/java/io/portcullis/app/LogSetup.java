package io.portcullis.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.net.SyslogAppender;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.portcullis.config.LoggingConfig;
import io.portcullis.observe.MailLog;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code logging:} section to logback, at start and at every reload: standard output
 * always (under systemd, detected by {@code JOURNAL_STREAM}, each line starts with its sd-daemon
 * priority, {@code <3>} to {@code <7>}, and carries no time stamp: the journal adds both), a file
 * rotated by size and day, and syslog over UDP. Every layout writes the message through
 * {@link MailLog#escapeControls}, so a control character a client managed to put into any log message
 * cannot start a line of its own (log injection).
 */
final class LogSetup {
    static final String PLAIN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%logger{0}] %safeMessage%n";
    static final String JOURNAL = "%journalPriority[%logger{0}] %safeMessage%n";
    private static final String[] OWN = {"console", "portcullis-file", "portcullis-syslog"};

    private LogSetup() {
    }

    /** Replaces the appenders with what {@code config} asks for; a mistake in them is logged, never thrown. */
    static synchronized void apply(LoggingConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: its own configuration applies
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        for (String name : OWN) {
            Appender<ILoggingEvent> old = root.getAppender(name);
            if (old != null) {
                root.detachAppender(old);
                old.stop();
            }
        }
        if (config.level() != null) {
            context.getLogger("io.portcullis").setLevel(Level.toLevel(config.level(), Level.INFO));
        }
        context.getLogger(MailLog.LOGGER).setLevel(Level.INFO); // the mail log is always written
        boolean journal = System.getenv("JOURNAL_STREAM") != null;
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setName("console");
        start(context, root, console, journal ? JOURNAL : PLAIN);
        if (config.file() != null) {
            RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
            file.setName("portcullis-file");
            file.setContext(context);
            file.setFile(config.file().toString());
            SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling = new SizeAndTimeBasedRollingPolicy<>();
            rolling.setContext(context);
            rolling.setParent(file);
            rolling.setFileNamePattern(config.file() + ".%d{yyyy-MM-dd}.%i.gz");
            rolling.setMaxFileSize(new FileSize(config.fileMaxSize()));
            rolling.setMaxHistory(config.fileMaxHistory());
            rolling.start();
            file.setRollingPolicy(rolling);
            start(context, root, file, PLAIN);
        }
        if (config.syslogHost() != null) {
            SyslogAppender syslog = new SyslogAppender();
            syslog.setName("portcullis-syslog");
            syslog.setContext(context);
            syslog.setSyslogHost(config.syslogHost());
            syslog.setPort(config.syslogPort());
            syslog.setFacility(config.syslogFacility().toUpperCase(java.util.Locale.ROOT));
            syslog.setSuffixPattern("portcullis: [%logger{0}] %safeMessage");
            syslog.setThrowableExcluded(true);
            // the layout is built in start(); our converter must be known to it by then
            PatternLayout.DEFAULT_CONVERTER_SUPPLIER_MAP.putIfAbsent("safeMessage", SafeMessage::new);
            syslog.start();
            root.addAppender(syslog);
        }
    }

    private static void start(LoggerContext context, Logger root, ch.qos.logback.core.OutputStreamAppender<ILoggingEvent> appender,
                              String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.setCharset(java.nio.charset.StandardCharsets.UTF_8);
        PatternLayout.DEFAULT_CONVERTER_SUPPLIER_MAP.putIfAbsent("safeMessage", SafeMessage::new);
        PatternLayout.DEFAULT_CONVERTER_SUPPLIER_MAP.putIfAbsent("journalPriority", JournalPriority::new);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
    }

    /** The formatted message with control characters escaped. */
    static final class SafeMessage extends ClassicConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return MailLog.escapeControls(event.getFormattedMessage());
        }
    }

    /** The sd-daemon(3) prefix journald reads on standard output: {@code <3>} error ... {@code <7>} debug. */
    static final class JournalPriority extends ClassicConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return switch (event.getLevel().toInt()) {
                case Level.ERROR_INT -> "<3>";
                case Level.WARN_INT -> "<4>";
                case Level.INFO_INT -> "<6>";
                default -> "<7>";
            };
        }
    }
}
