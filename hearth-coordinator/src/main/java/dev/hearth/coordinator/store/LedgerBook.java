// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store's double-entry ledger: accounts, the transfers between them, each job's hold, and the outbox of released
 * payments for the settlement webhook. Reached through {@link Store#ledger()}.
 *
 * <p>Invariants, each kept in the transaction that could break it: every transfer debits one account and credits
 * another by the same positive amount, so the sum of all balances is always 0 ({@code external} holds minus what was
 * deposited); no account but {@code external} goes below zero (checked before writing, and by a CHECK constraint);
 * a job's hold is settled at most once, by a release or a refund, never both (a conditional update on its state and
 * the unique idempotency key {@code settle:JOB}). A job's hold is taken in {@link Store#submitJob(String, String,
 * int, int, HoldRequest)}'s transaction.
 *
 * <p>Thread-safe, as the store is. Amounts are micro-credits ({@code dev.hearth.core.units.Credits}).
 */
public interface LedgerBook {

    /**
     * Writes one transfer under an idempotency key, or finds the one written before under that key.
     *
     * @param kind {@link TransferKind#DEPOSIT} (from {@code external}) or {@link TransferKind#STAKE} (into a stake
     *     account); holds, releases and refunds are written by submission and {@link #settle} only
     * @param nodeId the node a stake is for; {@code null} for a deposit
     * @throws InsufficientFundsException when {@code from} cannot cover it; nothing is written
     * @throws IllegalStateException when the key was used for a different transfer
     * @throws IllegalArgumentException for an account id of no known form, the wrong kind of account for
     *     {@code kind}, or an amount that is not positive
     */
    Posted post(String idempotencyKey, TransferKind kind, String from, String to, long amountMicros, String nodeId);

    /**
     * Settles a job's hold once: released to {@code payTo}'s node account, or, when {@code payTo} is empty, refunded
     * to the submitter. A hold that was settled before is left as it is ({@link HoldSettlement.AlreadySettled}).
     *
     * @param notify whether a release also goes into the settlement outbox for the webhook (same transaction)
     * @throws IllegalStateException when {@code payTo} names a node that is not registered
     */
    HoldSettlement settle(String jobId, Optional<String> payTo, boolean notify);

    /** A job's hold. */
    Optional<Hold> hold(String jobId);

    /** The holds still in escrow whose job is final (completed, failed or cancelled): ones to settle now. */
    List<Hold> unsettledFinalHolds();

    /** Every account, by id. */
    List<LedgerAccount> accounts();

    /** One account. */
    Optional<LedgerAccount> account(String id);

    /**
     * Transfers in ledger order (oldest first): the last {@code limit} of those touching {@code account} (or all)
     * written at or after {@code since} (or ever).
     */
    default List<LedgerTransfer> transfers(Optional<String> account, Optional<Instant> since, int limit) {
        return transfers(account, since, Long.MAX_VALUE, limit);
    }

    /**
     * As {@link #transfers(Optional, Optional, int)}, among the transfers before sequence number {@code beforeSeq}
     * only: the page of older transfers after one that ended at {@code beforeSeq}.
     */
    List<LedgerTransfer> transfers(Optional<String> account, Optional<Instant> since, long beforeSeq, int limit);

    /** What reputation is made of, for every registered node, by node id. */
    Map<String, NodeStanding> standings();

    /** Undelivered payments due at {@code now}, oldest first, at most {@code max}. */
    List<PaymentNotice> duePayments(Instant now, int max);

    /** Records that the webhook took a payment (answered 2xx); it is not sent again. */
    void paymentDelivered(long transferSeq, Instant at);

    /** Records a failed delivery: one more attempt, the error, and when to try next. */
    void paymentFailed(long transferSeq, String error, Instant nextAttemptAt);
}
