// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;
import java.util.function.Function;

/**
 * A result the oracle judged before it was accepted, for {@link Store#commitResults}: the result as it is to be
 * stored, and the decision it makes.
 *
 * <p>The oracle judged it on what the store held then; the only fact that can change before the commit without the
 * lease rules refusing the result is another job's result with the same receipt signature (a replay) committed in
 * between. So the store looks for one in the committing transaction and, when it finds one, applies
 * {@code ifReplayed}'s decision instead: a pure function of the earlier result, called inside the transaction.
 *
 * @param result the result, with the time it was received (the oracle's timing check used it)
 * @param receiptDigest SHA-256 hex of the receipt's signature bytes, or null when unsigned (then no replay is looked for)
 * @param decision the decision the oracle reached
 * @param ifReplayed the decision when an earlier result of another job has the same receipt digest
 */
public record JudgedResult(ResultRecord result, String receiptDigest, ResultDecision decision,
        Function<ResultRecord, ResultDecision> ifReplayed) {

    /** Checks that each part is present and the decision is about this result. */
    public JudgedResult {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(ifReplayed, "ifReplayed");
        if (!decision.verdict().jobId().equals(result.jobId()) || decision.verdict().epoch() != result.epoch()) {
            throw new IllegalArgumentException("the decision on job " + decision.verdict().jobId() + " epoch "
                    + decision.verdict().epoch() + " is not about the result of job " + result.jobId() + " epoch "
                    + result.epoch());
        }
    }
}
