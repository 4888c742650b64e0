// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A PostgreSQL location is read from postgresql://HOST:PORT/DB?user=..., never with a password")
class PostgresLocationTest {

    @Test
    @DisplayName("host, port, database, user and driver options are read; the JDBC URL and the text keep no secret")
    void parses() {
        PostgresLocation l = PostgresLocation.parse("postgresql://db.internal:6432/hearth?user=coord&sslmode=verify-full");

        assertThat(l).isEqualTo(new PostgresLocation("db.internal", 6432, "hearth", "coord",
                java.util.Map.of("sslmode", "verify-full")));
        assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6432/hearth?sslmode=verify-full");
        assertThat(l).hasToString("postgresql://db.internal:6432/hearth?user=coord");
        assertThat(PostgresLocation.parse("postgresql://localhost/h?user=u").port()).isEqualTo(5432);
    }

    @Test
    @DisplayName("a password in the URL is refused without being repeated, and the error says where it belongs")
    void refusesPassword() {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://u:s3cret@db/h"))
                .hasMessageContaining("HEARTH_DB_PASSWORD").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://db/h?user=u&password=s3cret"))
                .hasMessageContaining("--db-password-file").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://db/h?user=u&pass word=s3cret"))
                .hasMessageNotContaining("s3cret");
    }

    @Test
    @DisplayName("a missing user, a bad scheme or database name is refused naming the field and the accepted form")
    void namesTheField() {
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://db/h"))
                .hasMessageContaining("user").hasMessageContaining(PostgresLocation.FORM);
        assertThatThrownBy(() -> PostgresLocation.parse("mysql://db/h?user=u"))
                .hasMessageContaining("postgresql://");
        assertThatThrownBy(() -> PostgresLocation.parse("postgresql://db/a;drop?user=u"))
                .hasMessageContaining("database name");
    }
}
