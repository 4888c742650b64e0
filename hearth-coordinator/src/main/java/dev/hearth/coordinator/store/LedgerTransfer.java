// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One double entry: {@code amountMicros} debited from {@code fromAccount} and credited to {@code toAccount}.
 * Immutable once written.
 *
 * @param seq its place in the ledger, growing
 * @param idempotencyKey unique; a retry with the same key moves nothing again ({@code hold:JOB}, {@code settle:JOB},
 *     or the key a depositor chose)
 * @param kind why
 * @param fromAccount the account debited
 * @param toAccount the account credited
 * @param amountMicros how much, more than zero
 * @param jobId the job it is for, or {@code null}
 * @param nodeId the node it concerns (paid, or staking), or {@code null}
 * @param createdAt when it was written
 */
public record LedgerTransfer(long seq, String idempotencyKey, TransferKind kind, String fromAccount, String toAccount,
        long amountMicros, String jobId, String nodeId, Instant createdAt) {

    /** Checks the required fields. */
    public LedgerTransfer {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(fromAccount, "fromAccount");
        Objects.requireNonNull(toAccount, "toAccount");
        Objects.requireNonNull(createdAt, "createdAt");
        if (amountMicros <= 0) {
            throw new IllegalArgumentException("transfer " + idempotencyKey + " must move more than 0, got "
                    + amountMicros);
        }
    }
}
