// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * A transfer {@link LedgerBook#post} wrote, or found already written under its idempotency key.
 *
 * @param transfer the transfer
 * @param replayed true when the key had been used before for the same transfer, so nothing moved this time
 */
public record Posted(LedgerTransfer transfer, boolean replayed) {

    /** Checks the transfer is there. */
    public Posted {
        Objects.requireNonNull(transfer, "transfer");
    }
}
