// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

/**
 * Runs units of work as transactions on a dialect's connections. The dialect decides how writers are kept apart
 * (SQLite: one writer connection under a lock; PostgreSQL: row locks and conditional updates).
 *
 * <p>Implementations are thread-safe. Both methods wrap a {@link java.sql.SQLException} in a
 * {@link dev.hearth.coordinator.store.StoreException} naming {@code operation}, let runtime exceptions of the work
 * through after rolling back, and throw {@link IllegalStateException} once closed.
 */
interface Transactions extends AutoCloseable {

    /** Runs work that may write, committed before this returns. {@code operation} names it and its ids. */
    <T> T write(String operation, SqlWork<T> work);

    /** Runs work that only reads, on one consistent snapshot. */
    <T> T read(String operation, SqlWork<T> work);

    /** Waits for running work to finish, then closes every connection. Idempotent. */
    @Override
    void close();
}
