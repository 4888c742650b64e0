// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.units;

import dev.hearth.core.InvalidInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory or storage in bytes, parsed from Docker's notation ({@code 512m}, {@code 2g}, {@code 1.5g}).
 *
 * <p>Suffixes are binary multiples: b, k, m, g, t (case-insensitive, an optional trailing {@code b} or {@code ib}
 * as in {@code 512MiB}). A bare number is bytes. Immutable.
 */
public record ByteSize(long bytes) {

    /** The accepted form, for error messages. */
    public static final String FORM = "a positive size such as 512m, 2g or 1.5g (suffixes b, k, m, g, t; binary multiples)";

    private static final Pattern SYNTAX =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

    public ByteSize {
        if (bytes <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + bytes + " bytes");
        }
    }

    /**
     * Parses {@code text} for the named field.
     *
     * @throws InvalidInputException naming {@code field} when the text is malformed, zero or negative
     */
    public static ByteSize parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, text, FORM);
        }
        Matcher m = SYNTAX.matcher(text.strip());
        if (!m.matches()) {
            throw new InvalidInputException(field, text, FORM);
        }
        double number = Double.parseDouble(m.group(1));
        long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "" -> 1L;
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            default -> throw new InvalidInputException(field, text, FORM);
        };
        double bytes = number * multiplier;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new InvalidInputException(field, text, FORM);
        }
        return new ByteSize((long) bytes);
    }

    /** Megabytes (MiB), rounded down. */
    public long mebibytes() {
        return bytes >> 20;
    }

    /** The shortest exact Docker-style notation, e.g. {@code 512m}. */
    @Override
    public String toString() {
        String[] suffixes = {"t", "g", "m", "k"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < suffixes.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes % unit == 0) {
                return (bytes / unit) + suffixes[i];
            }
        }
        return bytes + "b";
    }
}
