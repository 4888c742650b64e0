// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Optional;

/** What {@link LedgerBook#settle} did with a job's hold. Only the first two moved anything. */
public sealed interface HoldSettlement {

    /**
     * Paid to the node.
     *
     * @param hold the hold as settled
     * @param transfer the payment; empty for a free job
     */
    record Released(Hold hold, Optional<LedgerTransfer> transfer) implements HoldSettlement {
    }

    /**
     * Given back to the submitter.
     *
     * @param hold the hold as settled
     * @param transfer the refund; empty for a free job
     */
    record Refunded(Hold hold, Optional<LedgerTransfer> transfer) implements HoldSettlement {
    }

    /**
     * It was settled before; nothing moved.
     *
     * @param hold as it was settled then
     */
    record AlreadySettled(Hold hold) implements HoldSettlement {
    }

    /** The job has no hold (no such job). */
    record NoHold() implements HoldSettlement {
    }
}
