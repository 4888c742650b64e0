// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A released payment waiting in the settlement outbox for the webhook to take it.
 *
 * @param transfer the release
 * @param attempts deliveries tried so far
 * @param nextAttemptAt not to be tried before
 * @param lastError why the last attempt failed, or {@code null}
 */
public record PaymentNotice(LedgerTransfer transfer, int attempts, Instant nextAttemptAt, String lastError) {

    /** Checks the required fields. */
    public PaymentNotice {
        Objects.requireNonNull(transfer, "transfer");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    }
}
