// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth coordinator export and import move a store; --db never takes a password")
class CoordinatorExportImportTest {

    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", home.toString());
        env.remove("HEARTH_DB_URL");
        return env;
    }

    @Test
    @DisplayName("a store exported from one data folder is imported into an empty one with the same counts")
    void exportThenImport() throws Exception {
        Path a = home.resolve("a");
        assertThat(CliRun.of(env(), "coordinator", "migrate", "--data", a.toString()).exit()).isZero();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + a.resolve("hearth.db"));
                java.sql.Statement s = c.createStatement()) {
            s.execute("INSERT INTO clients (name, created_at, disabled_at, quota_json) VALUES ('alice', 1, NULL, '{}')");
        }
        Path file = home.resolve("a.export");

        CliRun export = CliRun.of(env(), "coordinator", "export", "--data", a.toString(), "-o", file.toString(),
                "--json");
        assertThat(export.exit()).as(export.err()).isZero();
        JsonNode exported = Json.mapper().readTree(export.out());
        assertThat(exported.get("rows").get("clients").asLong()).isEqualTo(1);

        CliRun imported = CliRun.of(env(), "coordinator", "import", "--data", home.resolve("b").toString(), "-i",
                file.toString(), "--json");
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(Json.mapper().readTree(imported.out()).get("rows")).isEqualTo(exported.get("rows"));

        CliRun again = CliRun.of(env(), "coordinator", "import", "--data", home.resolve("b").toString(), "-i",
                file.toString());
        assertThat(again.exit()).as("a second import into a store with data").isNotZero();
    }

    @Test
    @DisplayName("a password in --db or HEARTH_DB_URL is refused without being printed")
    void passwordRefused() {
        CliRun flag = CliRun.of(env(), "coordinator", "export", "--db", "postgresql://u:s3cret@127.0.0.1/h", "-o",
                home.resolve("x").toString());
        assertThat(flag.exit()).isNotZero();
        assertThat(flag.err()).contains("--db").contains("HEARTH_DB_PASSWORD").doesNotContain("s3cret");

        Map<String, String> env = env();
        env.put("HEARTH_DB_URL", "postgresql://127.0.0.1/h?user=u&password=s3cret");
        CliRun variable = CliRun.of(env, "coordinator", "import", "-i", home.resolve("x").toString());
        assertThat(variable.exit()).isNotZero();
        assertThat(variable.err()).contains("HEARTH_DB_URL").doesNotContain("s3cret");
    }
}
