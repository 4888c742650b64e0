// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which database a coordinator keeps its store in: a SQLite file (the default, {@code DATA/hearth.db}) or a
 * PostgreSQL database several coordinators may share. Chosen by {@code hearth coordinator --db} or
 * {@code HEARTH_DB_URL}.
 */
public sealed interface Database {

    /** The environment variable naming the database when {@code --db} does not. */
    String URL_VARIABLE = "HEARTH_DB_URL";
    /** The environment variable holding the PostgreSQL password when no password file is given. */
    String PASSWORD_VARIABLE = "HEARTH_DB_PASSWORD";

    /** Opens the store, migrating its schema. */
    Store open(InstantSource clock);

    /** A SQLite file. */
    record Sqlite(Path file) implements Database {
        /** Checks the path. */
        public Sqlite {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public Store open(InstantSource clock) {
            return Store.sqlite(file, clock);
        }

        /** The file's path. */
        @Override
        public String toString() {
            return file.toString();
        }
    }

    /**
     * A PostgreSQL database.
     *
     * @param location where it is (holds no secret)
     * @param password the role's password, empty for none; left out of {@link #toString()}
     * @param poolSize the most connections the store holds open
     */
    record Postgres(PostgresLocation location, String password, int poolSize) implements Database {
        /** Checks the parts. */
        public Postgres {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public Store open(InstantSource clock) {
            return Store.postgresql(location, password, poolSize, clock);
        }

        /** The location and pool size; never the password. */
        @Override
        public String toString() {
            return location + " (pool " + poolSize + ", password " + (password.isEmpty() ? "none" : "given") + ")";
        }
    }

    /**
     * The database a coordinator's options and environment name: {@code url} (from {@code --db}), else
     * {@code HEARTH_DB_URL}, else the SQLite file {@code sqliteFile}. A PostgreSQL password comes from
     * {@code passwordFile} when given (its first line), else from {@code HEARTH_DB_PASSWORD}, else none.
     *
     * @throws IllegalArgumentException when the URL is not one {@link PostgresLocation#parse} accepts, or the password
     *     file cannot be read (naming the file, never its content)
     */
    static Database choose(Optional<String> url, Optional<Path> passwordFile, int poolSize, Map<String, String> env,
            Path sqliteFile) {
        Optional<String> chosen = url.or(() -> Optional.ofNullable(env.get(URL_VARIABLE))).filter(u -> !u.isBlank());
        if (chosen.isEmpty()) {
            return new Sqlite(sqliteFile);
        }
        String password;
        if (passwordFile.isPresent()) {
            try {
                String text = Files.readString(passwordFile.get(), StandardCharsets.UTF_8);
                int newline = text.indexOf('\n');
                password = (newline < 0 ? text : text.substring(0, newline)).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--db-password-file " + passwordFile.get() + " cannot be read ("
                        + e.getClass().getSimpleName() + "); give a file holding the password on its first line", e);
            }
        } else {
            password = env.getOrDefault(PASSWORD_VARIABLE, "");
        }
        return new Postgres(PostgresLocation.parse(chosen.get()), password, poolSize);
    }
}
