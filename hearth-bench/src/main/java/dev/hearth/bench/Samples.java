// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The timings of one contender, in nanoseconds, with the order statistics a benchmark reports.
 *
 * <p>Immutable; holds at least one sample, kept sorted ascending. The median of an even count is the mean of the
 * two middle samples; other percentiles use the nearest-rank method (the smallest sample with at least p% of the
 * samples at or below it), so p90 of 20 samples is the 18th smallest.
 *
 * @param nanos the samples, sorted ascending
 */
public record Samples(List<Long> nanos) {

    public Samples {
        Objects.requireNonNull(nanos, "nanos");
        if (nanos.isEmpty()) {
            throw new IllegalArgumentException("samples need at least one timing");
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        nanos = List.copyOf(sorted);
    }

    /** Samples of the given timings, in any order. */
    public static Samples of(List<Long> nanos) {
        return new Samples(nanos);
    }

    /** How many samples there are. */
    public int count() {
        return nanos.size();
    }

    /** The median in milliseconds. */
    public double medianMillis() {
        int n = nanos.size();
        double middle = n % 2 == 1 ? nanos.get(n / 2) : (nanos.get(n / 2 - 1) + (double) nanos.get(n / 2)) / 2;
        return middle / 1e6;
    }

    /** The 90th percentile (nearest rank) in milliseconds. */
    public double p90Millis() {
        return percentileMillis(90);
    }

    /**
     * The {@code p}th percentile by nearest rank, in milliseconds.
     *
     * @param p a percentile from 1 to 100
     */
    public double percentileMillis(int p) {
        if (p < 1 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " is not from 1 to 100");
        }
        int rank = (int) Math.ceil(p / 100.0 * nanos.size());
        return nanos.get(rank - 1) / 1e6;
    }
}
