// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.StoreException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Opens the SQLite dialect of the store. Reached through {@link Store#sqlite}; public only because that factory
 * lives in another package.
 */
public final class SqliteStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

    /** How long a connection waits for another process's write lock before failing with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MILLIS = 5_000;

    /** Reader connections: WAL lets them read while the one writer writes. */
    static final int READERS = 4;

    private SqliteStore() {
    }

    /**
     * Opens or creates the database in {@code file} (mode 600, in a folder created with mode 700), migrates it and
     * returns the store. See {@link Store#sqlite}.
     */
    public static Store open(Path file, InstantSource clock) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        Path path = file.toAbsolutePath();
        createPrivately(path);
        SQLiteConfig config = config();
        SQLiteDataSource migrator = new SQLiteDataSource(config);
        migrator.setUrl(url(path));
        Migrations.apply(migrator, "sqlite", path.toString());
        try {
            Store store = new SqlStore(SqliteTransactions.open(path, config, READERS), clock);
            LOG.info("store {} open: SQLite in WAL mode, one writer, {} readers", path, READERS);
            return store;
        } catch (SQLException e) {
            throw new StoreException("open " + path, e);
        }
    }

    static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }

    static SQLiteConfig config() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.enforceForeignKeys(true);
        // NORMAL in WAL mode: a commit survives a crash of the process; only a power loss may take the last ones.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        return config;
    }

    /**
     * Makes the file readable by its owner only before SQLite opens it (job specs may carry secrets); SQLite gives
     * its -wal and -shm files the same mode. An existing file is narrowed to 600 too.
     */
    static void createPrivately(Path file) {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            Path folder = file.getParent();
            if (folder != null && !Files.isDirectory(folder)) {
                if (posix) {
                    Files.createDirectories(folder,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(folder);
                }
            }
            if (!posix) {
                return;
            }
            try {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new StoreException("create " + file + " with mode 600", e);
        }
    }
}
