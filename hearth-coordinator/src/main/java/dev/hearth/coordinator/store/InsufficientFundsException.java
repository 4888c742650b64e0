// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.units.Credits;

/**
 * A transfer would take an account below zero; nothing was written. The message says the balance, the amount and
 * how to add funds.
 */
public final class InsufficientFundsException extends IllegalStateException {

    private final String accountId;
    private final long balanceMicros;
    private final long neededMicros;

    /**
     * @param accountId the account that would go below zero
     * @param balanceMicros what it holds
     * @param neededMicros what the transfer takes from it
     */
    public InsufficientFundsException(String accountId, long balanceMicros, long neededMicros) {
        super("account " + accountId + " holds " + Credits.format(balanceMicros) + " credits, "
                + Credits.format(neededMicros) + " are needed; add funds with 'hearth ledger deposit " + accountId
                + " AMOUNT' (POST /v1/ledger/deposits)");
        this.accountId = accountId;
        this.balanceMicros = balanceMicros;
        this.neededMicros = neededMicros;
    }

    /** The account. */
    public String accountId() {
        return accountId;
    }

    /** Its balance, in micro-credits. */
    public long balanceMicros() {
        return balanceMicros;
    }

    /** What was needed, in micro-credits. */
    public long neededMicros() {
        return neededMicros;
    }
}
