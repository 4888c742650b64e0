// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * What a submission holds: its price, from the submitter's account.
 *
 * @param accountId a {@link AccountKind#CLIENT} account
 * @param amountMicros the price, 0 or more
 */
public record HoldRequest(String accountId, long amountMicros) {

    /** A free job of the default submitter. */
    public static final HoldRequest FREE = new HoldRequest(AccountKind.client("default"), 0);

    /** Checks the account's kind and the amount. */
    public HoldRequest {
        Objects.requireNonNull(accountId, "accountId");
        if (AccountKind.of(accountId) != AccountKind.CLIENT) {
            throw new IllegalArgumentException("a job's price is held from a client account, not " + accountId);
        }
        if (amountMicros < 0) {
            throw new IllegalArgumentException("a hold must not be negative, got " + amountMicros);
        }
    }
}
