// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hearth.coordinator.store.PostgresLocation;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.StoreException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the PostgreSQL dialect of the store: a HikariCP pool on the database, migrated with
 * {@code db/migration/postgresql} (Flyway takes an advisory lock, so coordinators starting together migrate once).
 * Reached through {@link Store#postgresql}; public only because that factory lives in another package.
 */
public final class PostgresStore {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

    /** Connections in the pool when the caller does not say: enough for the scheduler, API and agent threads. */
    public static final int DEFAULT_POOL_SIZE = 10;

    private PostgresStore() {
    }

    /**
     * Connects to {@code location} with {@code password}, migrates its schema and returns the store.
     *
     * @param password the role's password; empty for none (trust or peer authentication); never logged
     * @param poolSize the most connections this store holds open
     * @throws StoreException when the server cannot be reached, refuses the login, or the migration fails; the
     *     message names the location, never the password
     */
    public static Store open(PostgresLocation location, String password, int poolSize, InstantSource clock) {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(clock, "clock");
        if (poolSize < 1 || poolSize > 1_000) {
            throw new IllegalArgumentException("pool size must be 1 to 1000, got " + poolSize);
        }
        // Flyway takes connections of its own (one holds the advisory lock): it gets them outside the pool, so that
        // a small pool cannot starve it
        Migrations.apply(unpooled(location, password), "postgresql", location.toString());
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config(location, password, poolSize));
        } catch (RuntimeException e) {
            throw new StoreException("connect to " + location, e);
        }
        try {
            Transactions tx = new PostgresTransactions(pool, location.toString());
            Store store = new SqlStore(tx, clock, new PostgresClusterFeed(unpooled(location, password), tx));
            LOG.info("store {} open: PostgreSQL, pool of {} connections, READ COMMITTED writes", location, poolSize);
            return store;
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Plain connections to {@code location}, each opened on demand: for migrations and imports. */
    static DataSource unpooled(PostgresLocation location, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(location.jdbcUrl());
        ds.setUser(location.user());
        if (!password.isEmpty()) {
            ds.setPassword(password);
        }
        ds.setApplicationName("hearth-coordinator");
        ds.setConnectTimeout(10);
        return ds;
    }

    /** The pool's settings; also used by {@code hearth coordinator import} for its one connection. */
    static HikariConfig config(PostgresLocation location, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("hearth-store");
        config.setJdbcUrl(location.jdbcUrl());
        config.setUsername(location.user());
        if (!password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setAutoCommit(false);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
        // fail fast on an unreachable or refusing server instead of retrying in the background
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("ApplicationName", "hearth-coordinator");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return config;
    }
}
