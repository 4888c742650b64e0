// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.units;

import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations the way Hearth's flags write them: {@code 300s}, {@code 5m}, {@code 1h30m},
 * {@code 250ms}, or a bare number of seconds.
 */
public final class DurationText {

    /** The accepted form, for error messages. */
    public static final String FORM = "a positive duration such as 300s, 5m, 1h30m or 250ms (a bare number means seconds)";

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
    private static final Pattern BARE = Pattern.compile("\\d+(?:\\.\\d+)?");

    private DurationText() {
    }

    /**
     * Parses a positive duration for the named field.
     *
     * @throws InvalidInputException naming {@code field} when the text is malformed, zero or negative
     */
    public static Duration parsePositive(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, text, FORM);
        }
        String s = text.strip().toLowerCase(Locale.ROOT);
        Duration total;
        if (BARE.matcher(s).matches()) {
            total = nanos(Double.parseDouble(s) * 1e9);
        } else {
            Matcher m = PART.matcher(s);
            total = Duration.ZERO;
            int at = 0;
            while (m.find() && m.start() == at) {
                double n = Double.parseDouble(m.group(1));
                double unitSeconds = switch (m.group(2)) {
                    case "ms" -> 1e-3;
                    case "s" -> 1;
                    case "m" -> 60;
                    case "h" -> 3600;
                    case "d" -> 86400;
                    default -> throw new InvalidInputException(field, text, FORM);
                };
                total = total.plus(nanos(n * unitSeconds * 1e9));
                at = m.end();
            }
            if (at != s.length() || at == 0) {
                throw new InvalidInputException(field, text, FORM);
            }
        }
        if (total.isZero() || total.isNegative()) {
            throw new InvalidInputException(field, text, FORM);
        }
        return total;
    }

    private static Duration nanos(double nanos) {
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Short human form: {@code 300s}, {@code 1.5s}, {@code 250ms}, {@code 2m30s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = d.toSeconds();
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            out.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0) {
            out.append(s).append('s');
        }
        return out.toString();
    }
}
