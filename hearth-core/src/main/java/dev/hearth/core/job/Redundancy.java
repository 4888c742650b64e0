// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;

/**
 * k-of-n redundant execution: run a job on {@code n} distinct nodes and accept its result once {@code k} of the
 * copies agree (same logsHash and output-file hashes, each having passed its own checks).
 *
 * <p>{@code k} must be a strict majority of {@code n}, so two disjoint groups of agreeing copies can never both
 * reach {@code k}: the accepted result is unique. {@link #NONE} (1 of 1) is a plain single run.
 *
 * @param n how many copies run, each on a node holding no other copy, 1 to {@link #MAX_COPIES}
 * @param k how many must agree, more than n / 2 and at most n
 */
public record Redundancy(int n, int k) {

    /** The most copies a job may ask for: each holds a node's slot, and agreement rarely needs more. */
    public static final int MAX_COPIES = 9;

    /** One copy, its own result: no redundancy. */
    public static final Redundancy NONE = new Redundancy(1, 1);

    public Redundancy {
        if (n < 1 || n > MAX_COPIES) {
            throw new InvalidInputException("redundancy.n", String.valueOf(n),
                    "a whole number of copies from 1 to " + MAX_COPIES + ", each run on a different node");
        }
        if (k > n || 2 * k <= n) {
            throw new InvalidInputException("redundancy.k", String.valueOf(k),
                    "how many copies must agree: a strict majority of n=" + n + ", from " + (n / 2 + 1) + " to " + n);
        }
    }

    /** Whether more than one copy runs. */
    public boolean redundant() {
        return n > 1;
    }

    /**
     * Whether {@code k} agreeing copies can still be reached with {@code agreeing} copies agreeing so far and
     * {@code undecided} copies not yet judged.
     */
    public boolean reachable(int agreeing, int undecided) {
        return agreeing + undecided >= k;
    }
}
