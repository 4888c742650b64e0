// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import com.zaxxer.hikari.HikariDataSource;
import dev.hearth.coordinator.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * PostgreSQL transactions on pooled connections, any number at once, from this process and from other coordinators
 * sharing the database.
 *
 * <p>Writes run at READ COMMITTED. Why not SERIALIZABLE: every state change in the tables is already a conditional
 * update ({@code UPDATE jobs ... WHERE id = ? AND state = 'QUEUED'}, {@code UPDATE ledger_holds ... WHERE state =
 * 'HELD'}, balances as {@code balance = balance - ?} under a CHECK) or an insert under a unique key (one lease per
 * (job, epoch), one result per job, one transfer per idempotency key). At READ COMMITTED PostgreSQL makes a second
 * writer wait on the first one's row lock and then re-checks its WHERE against the committed row, so exactly one of
 * two racing writers changes the row and the other sees 0 rows changed, as with SQLite's single writer. That keeps
 * the hot path (grants, heartbeats) free of the aborts SERIALIZABLE would add under load, and needs no predicate
 * locks. Reads run at REPEATABLE READ, READ ONLY: one snapshot for the whole unit of work, as the contract says.
 *
 * <p>A unit of work is retried from the start, on a fresh transaction, when PostgreSQL aborts it for a deadlock
 * (40P01) or a serialization failure (40001), or when it loses a check-then-insert race to a unique key (23505):
 * run again, it finds the winner's row and takes the path a later writer would take (a replayed transfer, an
 * existing account). Work is therefore only database statements and values it computes from them; {@link SqlStore}'s
 * units are. A unique violation that is no race (the same job id submitted twice, say) fails the same way each time
 * and is thrown after the last attempt.
 *
 * <p>Thread-safe.
 */
final class PostgresTransactions implements Transactions {

    /** Attempts of one unit of work before its last failure is thrown. */
    static final int ATTEMPTS = 5;

    private static final Set<String> RETRIED = Set.of("40001", "40P01", "23505");

    private final HikariDataSource pool;
    private final String where;
    // Held shared by every unit of work and exclusively by close(), so close waits for work in flight.
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    PostgresTransactions(HikariDataSource pool, String where) {
        this.pool = pool;
        this.where = where;
    }

    @Override
    public <T> T write(String operation, SqlWork<T> work) {
        return run(operation, work, false);
    }

    @Override
    public <T> T read(String operation, SqlWork<T> work) {
        return run(operation, work, true);
    }

    private <T> T run(String operation, SqlWork<T> work, boolean readOnly) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("store " + where + " is closed; cannot " + operation);
            }
            SQLException last = null;
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    return once(work, readOnly);
                } catch (SQLException e) {
                    if (last != null) {
                        e.addSuppressed(last);
                    }
                    last = e;
                    if (!retried(e) || attempt == ATTEMPTS) {
                        break;
                    }
                    pause(attempt, operation, e);
                }
            }
            throw new StoreException(operation + (retried(last) ? " (gave up after " + ATTEMPTS
                    + " attempts, SQLSTATE " + last.getSQLState() + ")" : ""), last);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private static boolean retried(SQLException e) {
        return e.getSQLState() != null && RETRIED.contains(e.getSQLState());
    }

    private <T> T once(SqlWork<T> work, boolean readOnly) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setReadOnly(readOnly);
            c.setTransactionIsolation(readOnly ? Connection.TRANSACTION_REPEATABLE_READ
                    : Connection.TRANSACTION_READ_COMMITTED);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            }
        }
    }

    /** Backs off a little, with jitter, so that the writers that collided do not collide again at once. */
    private static void pause(int attempt, String operation, SQLException cause) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            StoreException failure = new StoreException(operation + " (interrupted before retrying)", e);
            failure.addSuppressed(cause);
            throw failure;
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                pool.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
