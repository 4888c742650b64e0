// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A job's price held in escrow from submission until its verdict, then settled once.
 *
 * @param jobId the job
 * @param accountId the submitter's account it was taken from, and a refund goes back to
 * @param amountMicros the price (0 for a free job)
 * @param state held, released or refunded
 * @param nodeId the node paid, once released; else {@code null}
 * @param createdAt when it was taken
 * @param settledAt when it was settled, or {@code null} while held
 */
public record Hold(String jobId, String accountId, long amountMicros, State state, String nodeId, Instant createdAt,
        Instant settledAt) {

    /** Where a hold stands. */
    public enum State {
        /** In escrow. */
        HELD,
        /** Paid to the node whose result passed. */
        RELEASED,
        /** Given back to the submitter. */
        REFUNDED
    }

    /** Checks the required fields. */
    public Hold {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
