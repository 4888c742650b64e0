// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A ledger account and its balance.
 *
 * @param id the account id ({@link AccountKind#FORM})
 * @param kind what it is
 * @param balanceMicros its balance in micro-credits: never below zero except for {@link AccountKind#EXTERNAL}
 * @param createdAt when it was first used
 */
public record LedgerAccount(String id, AccountKind kind, long balanceMicros, Instant createdAt) {

    /** Checks the required fields. */
    public LedgerAccount {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
