// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * How a k-of-n job's price is divided among its copies: the price is held once at submission, each copy's share is
 * price / n, and the first (price mod n) copies get one micro-credit more, so the shares add up to the price exactly.
 * A copy in the agreeing majority is paid its share; the shares of flagged, failed and never-run copies go back to
 * the submitter. So a job costs its submitter at most its price whatever n is, and an honest node earns the same
 * share however many copies disagree. Thread-safe (stateless).
 */
public final class CopyShares {

    private CopyShares() {
    }

    /** Copy {@code index}'s share (1 to n) of {@code priceMicros}. */
    public static long share(long priceMicros, int n, int index) {
        if (priceMicros < 0 || n < 1 || index < 1 || index > n) {
            throw new IllegalArgumentException("no share " + index + " of " + n + " of price " + priceMicros);
        }
        return priceMicros / n + (index <= priceMicros % n ? 1 : 0);
    }
}
