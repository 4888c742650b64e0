// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.store.Database;
import dev.hearth.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --db} options (a picocli mixin) of {@code hearth coordinator} and its export and import: which database
 * holds the store. The password never comes from the command line (it would show in the process list): it is read
 * from {@code --db-password-file} or {@code HEARTH_DB_PASSWORD}. Used by one command at a time.
 */
final class DatabaseOptions {

    @Option(names = "--db", paramLabel = "URL", description = "Keep the store in PostgreSQL: "
            + "postgresql://HOST[:PORT]/DATABASE?user=NAME[&sslmode=verify-full] (default: $HEARTH_DB_URL, else the "
            + "SQLite file DATA/hearth.db). Never put the password here: see --db-password-file.")
    String db;

    @Option(names = "--db-password-file", paramLabel = "FILE", description = "A file holding the PostgreSQL "
            + "password on its first line (default: $HEARTH_DB_PASSWORD, else none).")
    Path passwordFile;

    @Option(names = "--db-pool", paramLabel = "N", defaultValue = "10",
            description = "Connections to PostgreSQL held at most (default: ${DEFAULT-VALUE}).")
    int pool;

    /** The database --db or $HEARTH_DB_URL names, else the SQLite file in {@code dataDir}. */
    Database database(Map<String, String> env, Path dataDir) {
        if (pool < 1 || pool > 1_000) {
            throw new InvalidInputException("--db-pool", String.valueOf(pool), "a number of connections, 1 to 1000");
        }
        try {
            return Database.choose(Optional.ofNullable(db), Optional.ofNullable(passwordFile), pool, env,
                    dataDir.resolve(StoreFolder.DATABASE));
        } catch (IllegalArgumentException e) {
            // the message names the part that is wrong; the URL itself is not repeated (it might hold a password)
            throw new InvalidInputException(db != null ? "--db" : Database.URL_VARIABLE, null, e.getMessage());
        }
    }
}
