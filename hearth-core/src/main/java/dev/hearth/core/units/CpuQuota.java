// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.units;

import dev.hearth.core.InvalidInputException;
import java.math.BigDecimal;

/**
 * A CPU allowance in billionths of a CPU (Docker's NanoCPUs), parsed from a decimal count such as {@code 1.5}.
 */
public record CpuQuota(long nanoCpus) {

    /** The accepted form, for error messages. */
    public static final String FORM = "a positive number of CPUs such as 1, 0.5 or 1.5 (at most 3 decimals, at most 1024)";

    private static final BigDecimal NANO = BigDecimal.valueOf(1_000_000_000L);

    public CpuQuota {
        if (nanoCpus <= 0) {
            throw new IllegalArgumentException("CPU quota must be positive, got " + nanoCpus + " nano-CPUs");
        }
    }

    /**
     * Parses a CPU count for the named field.
     *
     * @throws InvalidInputException naming {@code field} when malformed, not positive, too precise or too large
     */
    public static CpuQuota parse(String field, String text) {
        if (text == null || !text.strip().matches("\\d+(\\.\\d{1,3})?|\\.\\d{1,3}")) {
            throw new InvalidInputException(field, text, FORM);
        }
        BigDecimal cpus = new BigDecimal(text.strip());
        if (cpus.signum() <= 0 || cpus.compareTo(BigDecimal.valueOf(1024)) > 0) {
            throw new InvalidInputException(field, text, FORM);
        }
        return new CpuQuota(cpus.multiply(NANO).longValueExact());
    }

    /** Whole and fractional CPUs, e.g. {@code 1.5}. */
    public double cpus() {
        return nanoCpus / 1e9;
    }

    @Override
    public String toString() {
        return BigDecimal.valueOf(nanoCpus).divide(NANO).stripTrailingZeros().toPlainString();
    }
}
