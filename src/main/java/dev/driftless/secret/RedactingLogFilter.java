package dev.driftless.secret;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Every log line passes through {@link Redaction} before a handler writes it, whoever logged it:
 * Driftless's own lines are redacted where their text comes in, and this catches the rest, such
 * as a library that logs a URL it was given. It never drops a line.
 */
@LoggingFilter(name = RedactingLogFilter.NAME)
public final class RedactingLogFilter implements Filter {

    public static final String NAME = "driftless-redaction";

    @Override
    public boolean isLoggable(LogRecord record) {
        String formatted = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : new SimpleFormatter().formatMessage(record);
        String redacted = Redaction.redact(formatted);
        if (redacted != null && !redacted.equals(formatted)) {
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(redacted, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(redacted);
            }
            record.setParameters(null);
        }
        return true;
    }
}
