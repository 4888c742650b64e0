// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.StoreException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Brings a database's schema up to date with Flyway, from the dialect's own folder of versioned SQL files on the
 * classpath ({@code db/migration/sqlite/V1__init.sql}, ...). Each dialect keeps its own files so that one dialect's
 * syntax never has to be bent to fit another's; they describe the same schema.
 */
final class Migrations {

    private Migrations() {
    }

    /**
     * Applies every migration of {@code dialect} not yet applied to {@code dataSource}.
     *
     * @param where names the database in an error, e.g. its file
     * @throws StoreException when a migration fails or the history does not match the files
     */
    static void apply(DataSource dataSource, String dialect, String where) {
        try {
            flyway(dataSource, dialect).migrate();
        } catch (FlywayException e) {
            throw new StoreException("migrate " + where + " with " + location(dialect), e);
        }
    }

    /** Flyway over {@code dataSource} with {@code dialect}'s migrations, configured as {@link #apply} uses it. */
    static Flyway flyway(DataSource dataSource, String dialect) {
        return Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:" + location(dialect))
                .failOnMissingLocations(true)
                .load();
    }

    /** The classpath folder of {@code dialect}'s migrations. */
    static String location(String dialect) {
        return "db/migration/" + dialect;
    }
}
