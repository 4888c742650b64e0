// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import java.util.Locale;
import java.util.Objects;

/**
 * The figures of one {@code job-overhead} run: both contenders' timings over the same counted rounds.
 *
 * @param hearth timings of {@code true} through Hearth's job runner
 * @param bare timings of {@code true} through a bare {@code docker run --rm}
 */
public record JobOverheadResult(Samples hearth, Samples bare) {

    public JobOverheadResult {
        Objects.requireNonNull(hearth, "hearth");
        Objects.requireNonNull(bare, "bare");
        if (hearth.count() != bare.count()) {
            throw new IllegalArgumentException("contenders ran different numbers of rounds: " + hearth.count()
                    + " and " + bare.count());
        }
    }

    /** The rounds counted. */
    public int n() {
        return hearth.count();
    }

    /** Hearth's median over the bare median; above 1 means Hearth is slower. */
    public double ratio() {
        return hearth.medianMillis() / bare.medianMillis();
    }

    /**
     * The one-line report, e.g.
     * {@code job-overhead: n=20 hearth median=612ms p90=700ms bare median=540ms p90=610ms ratio=1.13}; times are
     * rounded to whole milliseconds, the ratio is taken before rounding.
     */
    public String line() {
        return String.format(Locale.ROOT,
                "job-overhead: n=%d hearth median=%dms p90=%dms bare median=%dms p90=%dms ratio=%.2f",
                n(), Math.round(hearth.medianMillis()), Math.round(hearth.p90Millis()),
                Math.round(bare.medianMillis()), Math.round(bare.p90Millis()), ratio());
    }
}
