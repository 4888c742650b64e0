// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hearth's log line, one per event whatever the event holds: JSON (one object per line, for log tools) when the
 * process's output is not a terminal, readable text on a terminal; {@code HEARTH_LOG_FORMAT=json|text} chooses
 * either way. The MDC fields ({@code job}, {@code node}, {@code epoch}, {@code client}, {@code trace}; see
 * {@code LogFields}) are fields of the line, not words of the message; a stack trace is folded into the line's
 * {@code error} field with {@code " | "} between its lines. Thread-safe after {@link #start}.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {

    /** How lines are written. */
    enum Format {
        /** One JSON object per line. */
        JSON,
        /** Time, level, logger and message, then {@code key=value} fields. */
        TEXT
    }

    private volatile Format format = Format.JSON;

    @Override
    public void start() {
        format = chosen(System.getenv("HEARTH_LOG_FORMAT"), terminal());
        super.start();
    }

    /**
     * Whether the process talks to a terminal: {@code Console.isTerminal()} where the JDK has it (22 and later,
     * whose {@code System.console()} is never null), else whether there is a console at all (JDK 21's rule).
     */
    static boolean terminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** The format {@code HEARTH_LOG_FORMAT} names, else text on a terminal and JSON otherwise. */
    static Format chosen(String setting, boolean terminal) {
        if (setting != null && !setting.isBlank()) {
            String s = setting.strip().toLowerCase(Locale.ROOT);
            if (s.equals("json")) {
                return Format.JSON;
            }
            if (s.equals("text")) {
                return Format.TEXT;
            }
            // a logger cannot refuse to start; it says once why it ignores the setting, on the line stream itself
            System.err.println("hearth: HEARTH_LOG_FORMAT='" + setting + "' is not json or text; logging "
                    + (terminal ? "text" : "json"));
        }
        return terminal ? Format.TEXT : Format.JSON;
    }

    /** Writes lines in {@code value} from now on (tests). */
    void format(Format value) {
        format = value;
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        Map<String, String> fields = new TreeMap<>(e.getMDCPropertyMap());
        String error = folded(e.getThrowableProxy());
        return format == Format.JSON ? json(e, fields, error) : text(e, fields, error);
    }

    private static String json(ILoggingEvent e, Map<String, String> fields, String error) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.ofEpochMilli(e.getTimeStamp()).toString());
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("logger", shortName(e.getLoggerName()));
            g.writeStringField("thread", e.getThreadName());
            g.writeStringField("msg", e.getFormattedMessage());
            for (Map.Entry<String, String> f : fields.entrySet()) {
                g.writeStringField(f.getKey(), f.getValue());
            }
            if (error != null) {
                g.writeStringField("error", error);
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException("a log line always serialises", ex);
        }
        return out.append('\n').toString();
    }

    private static String text(ILoggingEvent e, Map<String, String> fields, String error) {
        StringBuilder b = new StringBuilder(160).append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ')
                .append(String.format("%-5s", e.getLevel())).append(' ').append(shortName(e.getLoggerName()))
                .append(": ").append(oneLine(e.getFormattedMessage()));
        fields.forEach((k, v) -> b.append(' ').append(k).append('=').append(oneLine(v)));
        if (error != null) {
            b.append(" error=\"").append(oneLine(error)).append('"');
        }
        return b.append('\n').toString();
    }

    /** The stack trace of {@code t} (causes included) as one line, or null for none. */
    static String folded(IThrowableProxy t) {
        if (t == null) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (String line : ThrowableProxyUtil.asString(t).split("\\R")) {
            String s = line.strip();
            if (!s.isEmpty()) {
                b.append(b.isEmpty() ? "" : " | ").append(s);
            }
        }
        return b.toString();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n");
    }

    private static String shortName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }
}
