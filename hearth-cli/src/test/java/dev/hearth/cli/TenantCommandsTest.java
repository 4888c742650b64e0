// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.CoordinatorServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth client, key, token and audit against a real coordinator; keys never go out over plain HTTP")
class TenantCommandsTest {

    @TempDir
    Path data;
    private TestCoordinator coordinator;
    private CoordinatorServer server;
    private Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        coordinator = TestCoordinator.start(data);
        server = coordinator.server();
        env = coordinator.env();
    }

    @AfterEach
    void stop() {
        coordinator.close();
    }

    private CliRun hearth(Map<String, String> as, String... args) {
        return CliRun.of(as, args);
    }

    @Test
    @DisplayName("a client's key is printed once and works; revoked, it is refused; the audit trail shows it all")
    void clientKeyLifecycle() {
        CliRun made = hearth(env, "client", "create", "alice", "--quota", "queued-jobs=2,memory=1g");
        assertThat(made.exit()).as(made.err()).isZero();
        String key = made.out().strip();
        assertThat(key).startsWith("hck_");
        assertThat(hearth(env, "client", "list").out()).contains("alice").contains("\"queuedJobs\":2")
                .contains("\"memoryBytes\":1073741824");
        Map<String, String> alice = new HashMap<>(env);
        alice.put("HEARTH_TOKEN", key);

        CliRun own = hearth(alice, "job", "list");
        assertThat(own.exit()).as(own.err()).isZero();
        CliRun deposit = hearth(alice, "ledger", "deposit", "alice", "100");
        assertThat(deposit.exit()).isEqualTo(1);
        assertThat(deposit.err()).contains("403").contains("role admin");
        CliRun mint = hearth(alice, "token", "create");
        assertThat(mint.err()).contains("403");

        String id = key.substring(4, key.indexOf('_', 4));
        assertThat(hearth(env, "key", "list").out()).contains(id).doesNotContain(key);
        assertThat(hearth(env, "key", "revoke", id).exit()).isZero();
        CliRun after = hearth(alice, "job", "list");
        assertThat(after.exit()).isEqualTo(1);
        assertThat(after.err()).contains("401");

        CliRun rotated = hearth(env, "key", "create", "--owner", "rack4", "--role", "operator");
        assertThat(rotated.out().strip()).startsWith("hck_");
        String rid = rotated.out().strip().substring(4, rotated.out().strip().indexOf('_', 4));
        CliRun fresh = hearth(env, "key", "rotate", rid);
        assertThat(fresh.out().strip()).startsWith("hck_").isNotEqualTo(rotated.out().strip());

        assertThat(hearth(env, "token", "create", "--operator", "rack4").exit()).isZero();
        assertThat(hearth(env, "token", "list").out()).contains("rack4");
        String audit = hearth(env, "audit", "list").out();
        assertThat(audit).containsPattern("client:alice +POST /v1/ledger/deposits +refused:403")
                .containsPattern("anonymous +GET /v1/jobs +refused:401")
                .containsPattern("admin:admin +POST /v1/clients +allowed").doesNotContain(key);
        assertThat(hearth(env, "client", "disable", "alice").exit()).isZero();
    }

    @Test
    @DisplayName("key create --scope (repeatable) makes a scoped key: key list shows its scopes, rotate keeps them, "
            + "the coordinator refuses it what its scopes leave out; an unknown --scope is refused before any call")
    void scopedKeys() {
        assertThat(hearth(env, "client", "create", "alice").exit()).isZero();
        CliRun made = hearth(env, "key", "create", "--owner", "alice", "--scope", "jobs:read", "--scope",
                "jobs:write");
        assertThat(made.exit()).as(made.err()).isZero();
        String key = made.out().strip();
        String id = key.substring(4, key.indexOf('_', 4));
        assertThat(hearth(env, "key", "list").out()).contains("scopes").containsPattern(id
                + " +client +alice +jobs:read,jobs:write +");

        CliRun readOnly = hearth(env, "key", "create", "--owner", "alice", "--scope", "jobs:read");
        Map<String, String> reader = new HashMap<>(env);
        reader.put("HEARTH_TOKEN", readOnly.out().strip());
        assertThat(hearth(reader, "job", "list").exit()).isZero();
        CliRun writeOnly = hearth(env, "key", "create", "--owner", "alice", "--scope", "jobs:write");
        Map<String, String> writer = new HashMap<>(env);
        writer.put("HEARTH_TOKEN", writeOnly.out().strip());
        CliRun list = hearth(writer, "job", "list");
        assertThat(list.exit()).isEqualTo(1);
        assertThat(list.err()).contains("403").contains("jobs:read");

        CliRun rotated = hearth(env, "key", "rotate", id);
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        String fresh = rotated.out().strip();
        String freshId = fresh.substring(4, fresh.indexOf('_', 4));
        assertThat(hearth(env, "key", "list").out()).containsPattern(freshId + " .* jobs:read,jobs:write ");

        CliRun bad = hearth(env, "key", "create", "--owner", "alice", "--scope", "jobs:delete");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("--scope 'jobs:delete' is invalid").contains("jobs:read, jobs:write");
        assertThat(bad.out()).isEmpty();
    }

    @Test
    @DisplayName("a key is sent over plain HTTP to loopback only, unless HEARTH_INSECURE_HTTP=1 says otherwise")
    void plainHttpOnlyToLoopback() throws IOException {
        // CoordinatorClient.from connects to nothing: the refusal comes before any request could be made
        assertThatThrownBy(() -> CoordinatorClient.from("http://10.1.2.3:7070", env))
                .hasMessageContaining("plain HTTP").hasMessageContaining("HEARTH_INSECURE_HTTP=1");
        assertThatThrownBy(() -> CoordinatorClient.from("http://coordinator.example:7070", env))
                .hasMessageContaining("plain HTTP");
        CoordinatorClient.from("http://127.0.0.1:7070", env);
        CoordinatorClient.from("http://[::1]:7070", env);
        CoordinatorClient.from("http://localhost:7070", env);
        CoordinatorClient.from("https://10.1.2.3:7070", env);
        Map<String, String> insecure = new HashMap<>(env);
        insecure.put("HEARTH_INSECURE_HTTP", "1");
        CoordinatorClient.from("http://10.1.2.3:7070", insecure);
    }
}
