// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.LedgerBook;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.NodeStanding;
import dev.hearth.coordinator.store.PaymentNotice;
import dev.hearth.coordinator.store.Posted;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.units.Credits;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The {@link LedgerBook} over SQL, on the store's own transactions. Thread-safe as they are. */
final class SqlLedgerBook implements LedgerBook {

    private final Transactions tx;
    private final InstantSource clock;

    SqlLedgerBook(Transactions tx, InstantSource clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public Posted post(String key, TransferKind kind, String from, String to, long amountMicros, String nodeId) {
        Objects.requireNonNull(key, "key");
        if (amountMicros <= 0 || amountMicros > Credits.MAX_MICROS) {
            throw new IllegalArgumentException("a transfer moves more than 0 and at most " + Credits.MAX_MICROS
                    + " micro-credits, got " + amountMicros);
        }
        AccountKind fromKind = AccountKind.of(from);
        AccountKind toKind = AccountKind.of(to);
        switch (kind) {
            case DEPOSIT -> require(fromKind == AccountKind.EXTERNAL && toKind != AccountKind.EXTERNAL
                    && toKind != AccountKind.ESCROW, "a deposit goes from external into a client, node or stake account");
            case STAKE -> require(toKind == AccountKind.STAKE && nodeId != null && to.equals(AccountKind.stake(nodeId))
                    && (fromKind == AccountKind.CLIENT || fromKind == AccountKind.NODE || fromKind == AccountKind.EXTERNAL),
                    "a stake goes from a client, node or external account into the node's stake:ID account");
            case HOLD, RELEASE, REFUND -> throw new IllegalArgumentException(
                    kind + " transfers are written by job submission and settlement only");
        }
        Instant now = now();
        return tx.write(kind.name().toLowerCase() + " " + amountMicros + " from " + from + " to " + to + " (key " + key + ")",
                c -> TransferTable.post(c, TransferTable.of(key, kind, from, to, amountMicros, null, nodeId), now));
    }

    private static void require(boolean holds, String rule) {
        if (!holds) {
            throw new IllegalArgumentException(rule);
        }
    }

    @Override
    public HoldSettlement settle(String jobId, Optional<String> payTo, boolean notify) {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(payTo, "payTo");
        Instant now = now();
        return tx.write("settle the hold of job " + jobId + payTo.map(n -> " to node " + n).orElse(" as a refund"),
                c -> HoldTable.settle(c, jobId, payTo, notify, now));
    }

    @Override
    public Optional<Hold> hold(String jobId) {
        return tx.read("read the hold of job " + jobId, c -> HoldTable.byJob(c, jobId));
    }

    @Override
    public List<Hold> unsettledFinalHolds() {
        return tx.read("list unsettled holds of final jobs", HoldTable::unsettledFinal);
    }

    @Override
    public List<LedgerAccount> accounts() {
        return tx.read("list ledger accounts", AccountTable::all);
    }

    @Override
    public Optional<LedgerAccount> account(String id) {
        return tx.read("read ledger account " + id, c -> AccountTable.byId(c, id));
    }

    @Override
    public List<LedgerTransfer> transfers(Optional<String> account, Optional<Instant> since, long beforeSeq,
            int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
        }
        return tx.read("list transfers" + account.map(a -> " of " + a).orElse(""),
                c -> TransferTable.list(c, account, since, beforeSeq, limit));
    }

    @Override
    public Map<String, NodeStanding> standings() {
        return tx.read("count node standings", StandingQuery::all);
    }

    @Override
    public List<PaymentNotice> duePayments(Instant now, int max) {
        return tx.read("list due payments", c -> OutboxTable.due(c, now, max));
    }

    @Override
    public void paymentDelivered(long transferSeq, Instant at) {
        tx.write("mark payment " + transferSeq + " delivered", c -> {
            OutboxTable.delivered(c, transferSeq, at.truncatedTo(ChronoUnit.MILLIS));
            return null;
        });
    }

    @Override
    public void paymentFailed(long transferSeq, String error, Instant nextAttemptAt) {
        tx.write("record a failed delivery of payment " + transferSeq, c -> {
            OutboxTable.failed(c, transferSeq, error, nextAttemptAt.truncatedTo(ChronoUnit.MILLIS));
            return null;
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
