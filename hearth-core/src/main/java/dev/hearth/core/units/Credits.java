// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.units;

import dev.hearth.core.InvalidInputException;
import java.math.BigDecimal;

/**
 * Amounts of the ledger's unit, the credit, kept exactly as whole micro-credits in a {@code long} (never a
 * floating-point number): {@code "1.5"} is 1,500,000 micro-credits. A textual amount has at most six decimals.
 */
public final class Credits {

    /** Micro-credits in one credit. */
    public static final long MICROS_PER_CREDIT = 1_000_000L;
    /** The largest amount one transfer may move: a billion credits, so that sums of them never overflow. */
    public static final long MAX_MICROS = 1_000_000_000L * MICROS_PER_CREDIT;
    /** The accepted form, for error messages. */
    public static final String FORM = "an amount of credits such as 10, 0.5 or 0.000001 (at most 6 decimals, "
            + "at most 1000000000)";

    private static final BigDecimal MICRO = BigDecimal.valueOf(MICROS_PER_CREDIT);

    private Credits() {
    }

    /**
     * Parses a non-negative amount for the named field into micro-credits.
     *
     * @throws InvalidInputException naming {@code field} when malformed, negative, too precise or too large
     */
    public static long parse(String field, String text) {
        if (text == null || !text.strip().matches("\\d+(\\.\\d{1,6})?|\\.\\d{1,6}")) {
            throw new InvalidInputException(field, text, FORM);
        }
        BigDecimal credits = new BigDecimal(text.strip());
        if (credits.compareTo(BigDecimal.valueOf(MAX_MICROS / MICROS_PER_CREDIT)) > 0) {
            throw new InvalidInputException(field, text, FORM);
        }
        return credits.multiply(MICRO).longValueExact();
    }

    /** Parses an amount that must be more than zero; see {@link #parse}. */
    public static long parsePositive(String field, String text) {
        long micros = parse(field, text);
        if (micros == 0) {
            throw new InvalidInputException(field, text, "more than zero: " + FORM);
        }
        return micros;
    }

    /** Micro-credits as a plain decimal number of credits, without trailing zeros: {@code 1500000} is "1.5". */
    public static String format(long micros) {
        return BigDecimal.valueOf(micros).divide(MICRO).stripTrailingZeros().toPlainString();
    }
}
