// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("--pool-size and --pool-idle: one form, one check and one error text in hearth agent and hearth resident")
class PoolOptionsTest {

    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HN_NODE_TOKEN", "hnt_test");
        env.put("HEARTH_HOME", home.toString());
        return env;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "agent|--pool-size|17|--pool-size '17' is invalid: a whole number within 0..16",
        "agent|--pool-size|-1|--pool-size '-1' is invalid: a whole number within 0..16",
        "agent|--pool-size|two|--pool-size 'two' is invalid: a whole number within 0..16",
        "agent|--pool-idle|25h|--pool-idle '25h' is invalid: a duration within 1s..24h, e.g. 10m",
        "agent|--pool-idle|500ms|--pool-idle '500ms' is invalid: a duration within 1s..24h, e.g. 10m",
        "agent|--pool-idle|soon|--pool-idle 'soon' is invalid: a positive duration such as 300s",
        "resident|--pool-size|17|--pool-size '17' is invalid: a whole number within 0..16",
        "resident|--pool-size|two|--pool-size 'two' is invalid: a whole number within 0..16",
        "resident|--pool-idle|25h|--pool-idle '25h' is invalid: a duration within 1s..24h, e.g. 10m",
        "resident|--pool-idle|soon|--pool-idle 'soon' is invalid: a positive duration such as 300s"})
    void refused(String command, String flag, String value, String error) {
        CliRun r = CliRun.of(env(), command, flag, value);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(error).doesNotContain("hnt_test");
        assertThat(home.resolve("agent")).as("nothing started").doesNotExist();
    }

    @Test
    @DisplayName("hearth agent --vm-templates without qemu among its runtimes (docker alone, or the Hypernode "
            + "protocol) is refused, naming the flag, before anything starts")
    void vmTemplatesNeedQemu() {
        for (String[] args : new String[][] {{"agent", "--vm-templates"},
            {"agent", "--vm-templates", "--runtimes", "docker"},
            {"agent", "--vm-templates", "--protocol", "hypernode-v2", "--coordinator", "ws://127.0.0.1:1"}}) {
            CliRun r = CliRun.of(env(), args);
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--vm-templates 'on' is invalid: off, or on together with qemu among the "
                    + "runtimes (now docker)")
                    .doesNotContain("hnt_test");
        }
        assertThat(home.resolve("agent")).as("nothing started").doesNotExist();
    }

    @Test
    @DisplayName("hearth agent checks the config file's pool-size and pool-idle the same way, naming the file's key")
    void configFile() throws Exception {
        Path size = Files.writeString(home.resolve("size.conf"), "pool-size = 17\n");
        CliRun r = CliRun.of(env(), "agent", "--config", size.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(size + ": pool-size '17' is invalid: a whole number within 0..16");
        Path idle = Files.writeString(home.resolve("idle.conf"), "pool-idle = 25h\n");
        CliRun i = CliRun.of(env(), "agent", "--config", idle.toString());
        assertThat(i.exit()).as(i.err()).isEqualTo(2);
        assertThat(i.err()).contains(idle + ": pool-idle '25h' is invalid: a duration within 1s..24h, e.g. 10m");
        assertThat(home.resolve("agent")).as("nothing started").doesNotExist();
    }

    @Test
    @DisplayName("the settings given, else the command's default size (resident 2, agent 0: no pools) and 10m")
    void settings() {
        PoolOptions none = new PoolOptions();
        assertThat(none.settings(PoolOptions.AGENT_SIZE).size()).isZero();
        assertThat(none.settings(PoolOptions.RESIDENT_SIZE).size()).isEqualTo(2);
        assertThat(none.settings(PoolOptions.AGENT_SIZE).idleLimit()).isEqualTo(Duration.ofMinutes(10));
        PoolOptions given = new PoolOptions();
        given.size = " 16";
        given.idle = "24h";
        assertThat(given.settings(PoolOptions.AGENT_SIZE).size()).isEqualTo(16);
        assertThat(given.settings(PoolOptions.AGENT_SIZE).idleLimit()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    @DisplayName("agent install-systemd passes the pool options on to the agent's command, checked first")
    void systemdUnit() throws Exception {
        CliRun r = CliRun.of(env(), "agent", "install-systemd", "--output", "-", "--config", "/etc/hearth/agent.conf",
                "--exec", "/opt/hearth/bin/hearth", "--pool-size", "1", "--pool-idle", "5m");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(UnitFile.parse(r.out()).command(Map.of())).containsSubsequence("--pool-size", "1")
                .containsSubsequence("--pool-idle", "5m");
        CliRun bad = CliRun.of(env(), "agent", "install-systemd", "--output", "-", "--config",
                "/etc/hearth/agent.conf", "--pool-size", "99");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--pool-size '99' is invalid");
        assertThat(Files.exists(home.resolve("agent"))).isFalse();
    }
}
