// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.sqlite.SQLiteDataSource;

/**
 * The schema of a coordinator's SQLite store, for {@code hearth coordinator migrate}: which migrations a file has,
 * which are pending, and applying them without starting the coordinator (the coordinator applies them on start as
 * well). A missing file is reported as version {@code none}, every migration pending; only {@link #migrate} creates it
 * (mode 600, in a folder of mode 700, as the coordinator does).
 *
 * <p>Thread-safe: each call opens its own connections; Flyway serialises concurrent migrations of one file.
 */
public final class SqliteSchema {

    /** One migration: its version and description. */
    public record Migration(String version, String description) {
    }

    /**
     * The schema of a store before and after a run.
     *
     * @param before the newest applied version before, {@code none} for an empty or missing store
     * @param after the newest applied version after ({@code before} for a dry run)
     * @param applied the migrations this run applied (none for a dry run)
     * @param pending the migrations still to apply after this run
     */
    public record Report(String before, String after, List<Migration> applied, List<Migration> pending) {
        /** Copies the lists. */
        public Report {
            applied = List.copyOf(applied);
            pending = List.copyOf(pending);
        }
    }

    private SqliteSchema() {
    }

    /** Reports the schema of {@code file} and what is pending, changing nothing (not creating a missing file). */
    public static Report inspect(Path file) {
        Objects.requireNonNull(file, "file");
        Path path = file.toAbsolutePath();
        // a missing store is read as an empty in-memory one, so that looking creates nothing
        Flyway flyway = Migrations.flyway(dataSource(Files.exists(path) ? SqliteStore.url(path) : "jdbc:sqlite::memory:"),
                "sqlite");
        try {
            var info = flyway.info();
            String current = version(info.current());
            return new Report(current, current, List.of(), migrations(info.pending()));
        } catch (FlywayException e) {
            throw new StoreException("read the migrations of " + path, e);
        }
    }

    /** Applies every pending migration to {@code file}, creating it when missing, and reports before and after. */
    public static Report migrate(Path file) {
        Objects.requireNonNull(file, "file");
        Path path = file.toAbsolutePath();
        SqliteStore.createPrivately(path);
        Flyway flyway = Migrations.flyway(dataSource(SqliteStore.url(path)), "sqlite");
        try {
            List<Migration> pending = migrations(flyway.info().pending());
            String before = version(flyway.info().current());
            flyway.migrate();
            var info = flyway.info();
            List<Migration> left = migrations(info.pending());
            return new Report(before, version(info.current()),
                    pending.stream().filter(m -> !left.contains(m)).toList(), left);
        } catch (FlywayException e) {
            throw new StoreException("migrate " + path + " with " + Migrations.location("sqlite"), e);
        }
    }

    private static SQLiteDataSource dataSource(String url) {
        SQLiteDataSource ds = new SQLiteDataSource(SqliteStore.config());
        ds.setUrl(url);
        return ds;
    }

    private static String version(MigrationInfo info) {
        MigrationVersion v = info == null ? null : info.getVersion();
        return v == null ? "none" : v.getVersion();
    }

    private static List<Migration> migrations(MigrationInfo[] infos) {
        return Arrays.stream(infos).map(i -> new Migration(version(i), i.getDescription())).toList();
    }
}
