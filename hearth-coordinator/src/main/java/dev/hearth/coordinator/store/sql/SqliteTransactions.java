// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.sqlite.SQLiteConfig;

/**
 * SQLite transactions: one writer connection guarded by a lock, and a few reader connections.
 *
 * <p>Why no connection pool library: SQLite allows one writer at a time per file, so a pool of writers would only
 * move the queue from a Java lock into SQLITE_BUSY retries. A fair {@link ReentrantLock} (virtual-thread friendly,
 * unlike {@code synchronized} on JDK 21) queues writers in order instead. In WAL mode readers do not block the
 * writer nor each other, so reads get their own small set of connections and see the last committed state.
 * Writes start with {@code BEGIN IMMEDIATE}, so a second process on the same file waits its busy timeout for the
 * write lock up front rather than failing half-way through a transaction.
 *
 * <p>Thread-safe.
 */
final class SqliteTransactions implements Transactions {

    private final Path file;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final Connection writer;
    private final BlockingQueue<Connection> readers;
    private final List<Connection> all;
    // Held shared by every unit of work and exclusively by close(), so close waits for work in flight.
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private SqliteTransactions(Path file, Connection writer, List<Connection> readers) {
        this.file = file;
        this.writer = writer;
        this.readers = new ArrayBlockingQueue<>(readers.size(), false, readers);
        this.all = new ArrayList<>(readers);
        this.all.add(writer);
    }

    /** Opens one writer and {@code readerCount} readers on {@code file} with {@code config}'s pragmas. */
    static SqliteTransactions open(Path file, SQLiteConfig config, int readerCount) throws SQLException {
        String url = SqliteStore.url(file);
        List<Connection> opened = new ArrayList<>();
        try {
            Connection writer = config.createConnection(url);
            opened.add(writer);
            List<Connection> readers = new ArrayList<>();
            for (int i = 0; i < readerCount; i++) {
                Connection reader = config.createConnection(url);
                opened.add(reader);
                execute(reader, "PRAGMA query_only = ON");
                readers.add(reader);
            }
            return new SqliteTransactions(file, writer, readers);
        } catch (SQLException | RuntimeException e) {
            for (Connection c : opened) {
                closeQuietlyInto(c, e);
            }
            throw e;
        }
    }

    @Override
    public <T> T write(String operation, SqlWork<T> work) {
        lifecycle.readLock().lock();
        try {
            checkOpen(operation);
            writeLock.lock();
            try {
                return inTransaction(writer, "BEGIN IMMEDIATE", operation, work);
            } finally {
                writeLock.unlock();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public <T> T read(String operation, SqlWork<T> work) {
        lifecycle.readLock().lock();
        try {
            checkOpen(operation);
            Connection reader = takeReader(operation);
            try {
                return inTransaction(reader, "BEGIN", operation, work);
            } finally {
                readers.add(reader);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            SQLException first = null;
            for (Connection c : all) {
                try {
                    c.close();
                } catch (SQLException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw new StoreException("close " + file, first);
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void checkOpen(String operation) {
        if (closed) {
            throw new IllegalStateException("store " + file + " is closed; cannot " + operation);
        }
    }

    private Connection takeReader(String operation) {
        try {
            return readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(operation + " (interrupted while waiting for one of "
                    + (all.size() - 1) + " reader connections)", e);
        }
    }

    private static <T> T inTransaction(Connection c, String begin, String operation, SqlWork<T> work) {
        try {
            execute(c, begin);
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
        try {
            T result = work.run(c);
            execute(c, "COMMIT");
            return result;
        } catch (SQLException e) {
            rollbackInto(c, e);
            throw new StoreException(operation, e);
        } catch (RuntimeException | Error e) {
            rollbackInto(c, e);
            throw e;
        }
    }

    /** Ends the failed transaction so the connection can begin the next one. */
    private static void rollbackInto(Connection c, Throwable failure) {
        try {
            execute(c, "ROLLBACK");
        } catch (SQLException e) {
            // SQLite rolls back by itself after some errors (SQLITE_FULL, say); then there is nothing to end.
            failure.addSuppressed(e);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void closeQuietlyInto(Connection c, Throwable failure) {
        try {
            c.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
