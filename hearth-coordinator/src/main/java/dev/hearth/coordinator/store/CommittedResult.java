// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/** What {@link Store#commitResults} did with one judged result. Only {@link Decided} changed anything. */
public sealed interface CommittedResult {

    /**
     * The lease rules refused the result, as {@link Store#acceptResult} would: nothing of it was written.
     *
     * @param refusal why (never {@link ResultAcceptance.Accepted})
     */
    record Refused(ResultAcceptance refusal) implements CommittedResult {

        /** Checks that it is a refusal. */
        public Refused {
            if (Objects.requireNonNull(refusal, "refusal") instanceof ResultAcceptance.Accepted) {
                throw new IllegalArgumentException("an accepted result is not refused");
            }
        }
    }

    /**
     * The result was accepted and its job decided: result, verdict (announced), final state, settled hold and the
     * job's events committed together.
     *
     * @param result what was stored
     * @param decision the decision applied: the oracle's, or its replay decision when an earlier result of another
     *     job had the same receipt digest
     * @param settlement what became of the job's hold
     */
    record Decided(ResultRecord result, ResultDecision decision, HoldSettlement settlement)
            implements CommittedResult {
    }

    /**
     * Writing this result failed and was rolled back alone; the other results of the batch are unaffected. The caller
     * may try it again on its own.
     *
     * @param cause why
     */
    record Failed(RuntimeException cause) implements CommittedResult {
    }
}
