// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.core.InvalidInputException;
import dev.hearth.coordinator.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * Copies a coordinator's SQLite store into one file, consistently, while the coordinator may be running and writing:
 * SQLite's {@code VACUUM INTO} reads one snapshot of the database inside a read transaction (WAL mode lets the
 * coordinator go on committing meanwhile), so the copy holds every transaction committed before that snapshot and
 * none of those after, never half of one. The copy is written to a file of mode 600 beside the target (it holds
 * keys, tokens' hashes and the ledger), checked with {@code PRAGMA quick_check}, flushed, and only then given the
 * target's name; on any failure nothing is left behind.
 *
 * <p>Thread-safe: each call opens its own connection.
 */
public final class SqliteBackup {

    /** What a backup wrote: the file, its size, the schema version it holds, and how long the copy took. */
    public record Copy(Path file, long bytes, String schemaVersion, Duration took) {
    }

    private SqliteBackup() {
    }

    /**
     * Copies the database {@code source} into {@code target}.
     *
     * @param sourceField the option that named the source, for errors (e.g. {@code --data})
     * @param targetField the option that named the target, for errors (e.g. {@code --output})
     * @param replace whether an existing {@code target} may be replaced
     * @throws InvalidInputException when the source is missing or not a store, the target exists (and
     *     {@code replace} is false), is a folder, or its folder is missing
     * @throws StoreException when SQLite or the file system fails; nothing is left at {@code target}
     */
    public static Copy copy(Path source, String sourceField, Path target, String targetField, boolean replace) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Path from = source.toAbsolutePath();
        Path to = target.toAbsolutePath();
        if (!Files.isRegularFile(from)) {
            throw new InvalidInputException(sourceField, source.toString(),
                    "the folder of an existing coordinator store (" + from + " does not exist)");
        }
        if (Files.isDirectory(to)) {
            throw new InvalidInputException(targetField, target.toString(), "a file name, not a folder");
        }
        if (to.getParent() == null || !Files.isDirectory(to.getParent())) {
            throw new InvalidInputException(targetField, target.toString(),
                    "a file in an existing folder (" + to.getParent() + " does not exist)");
        }
        if (!replace && Files.exists(to)) {
            throw new InvalidInputException(targetField, target.toString(),
                    "a file that does not exist yet (add --force to replace it)");
        }
        long started = System.nanoTime();
        Path temporary = createTemporary(to);
        try {
            String version;
            try (Connection c = open(from)) {
                try (Statement s = c.createStatement()) {
                    version = schemaVersion(s, from, sourceField, source);
                }
                // VACUUM refuses to run while another statement of the connection is open: the one above is closed
                try (var vacuum = c.prepareStatement("VACUUM INTO ?")) {
                    vacuum.setString(1, temporary.toString());
                    vacuum.execute();
                }
            }
            check(temporary);
            try (FileChannel ch = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            publish(temporary, to, targetField, target, replace);
            return new Copy(to, Files.size(to), version, Duration.ofNanos(System.nanoTime() - started));
        } catch (SQLException | IOException e) {
            throw new StoreException("back up " + from + " into " + to, e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    /** Opens the existing database for the copy, never creating one. */
    private static Connection open(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setBusyTimeout(SqliteStore.BUSY_TIMEOUT_MILLIS);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(SqliteStore.url(file));
        return ds.getConnection();
    }

    /** The newest applied migration's version; refuses a file that is not a coordinator store. */
    private static String schemaVersion(Statement s, Path file, String field, Path given) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success = 1 "
                + "AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : "none";
        } catch (SQLException e) {
            throw new InvalidInputException(field, given.toString(), "the folder of a coordinator store (" + file
                    + " is not one: " + e.getMessage() + ")");
        }
    }

    private static void check(Path copy) throws SQLException {
        try (Connection c = open(copy); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            String answer = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(answer)) {
                throw new SQLException("the copy fails PRAGMA quick_check: " + answer);
            }
        }
    }

    /** An empty file of mode 600 beside {@code target} (VACUUM INTO accepts an empty file). */
    private static Path createTemporary(Path target) {
        Path folder = target.getParent();
        String prefix = "." + target.getFileName() + ".";
        try {
            if (folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                return Files.createTempFile(folder, prefix, ".partial",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            return Files.createTempFile(folder, prefix, ".partial");
        } catch (IOException e) {
            throw new StoreException("create a file of mode 600 in " + folder, e);
        }
    }

    /**
     * Gives the finished copy its name: a hard link when nothing may be replaced (fails, atomically, if a file
     * appeared there meanwhile), else an atomic rename over the old file.
     */
    private static void publish(Path temporary, Path to, String field, Path given, boolean replace) throws IOException {
        if (replace) {
            try {
                Files.move(temporary, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, to, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        try {
            Files.createLink(to, temporary);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException(field, given.toString(),
                    "a file that does not exist yet (add --force to replace it)");
        }
    }

    private static void deleteQuietly(Path file) {
        for (Path p : new Path[] {file, Path.of(file + "-journal"), Path.of(file + "-wal"), Path.of(file + "-shm")}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort: a leftover .partial file is named after the target and harmless; the copy stands
            }
        }
    }
}
