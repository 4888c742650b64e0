// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("hearth coordinator and hearth agent refuse bad settings before starting, naming the setting")
class ServiceBadInputTest {

    @TempDir
    Path home;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("HN_NODE_TOKEN");
        env.put("HEARTH_HOME", home.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @ParameterizedTest(name = "coordinator {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--listen|nope|HOST:PORT",
        "--listen|127.0.0.1:99999|HOST:PORT",
        "--heartbeat-interval|often|300s",
        "--heartbeat-interval|200ms|at least 1s",
        "--lost-after|5s|longer than the heartbeat interval",
        "--max-frame|10|at least 1024",
        "--settlement-webhook|ftp://pay.example|an http:// or https:// URL",
        "--rate-cpu-second|-1|an amount of credits",
        "--rate-gib-second|0.0000001|at most 6 decimals",
        "--stake-reference|0|more than zero",
        "--unsigned|maybe|allow (accepted, unpaid), pay (accepted and paid) or deny",
        "--timing|strict|lenient or hypernode",
        "--completion|vibes|exit-zero or markers",
        "--lease-grace|soon|300s",
        "--node-max-slots|0|1 or more",
        "--node-max-memory|lots|slots=N,cpus=X,memory=SIZE,gpus=N",
        "--node-limit|slots=4|NODE_ID=slots=N",
        "--node-limit|n1=slots=many|NODE_ID=slots=N",
        "--cordon-after-expiries|0|1 or more",
        "--oracle-max-attempts|0|1 or more",
        "--retain-finished|forever|0 or off to keep every finished job"})
    void coordinator(String flag, String value, String form) throws Exception {
        String[] args = flag.equals("--lost-after") ? new String[] {"coordinator", "--heartbeat-interval", "10s", flag,
            value} : new String[] {"coordinator", flag, value};
        CliRun r = CliRun.of(env(), args);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(flag).contains(value).contains(form);
        assertThat(Files.exists(home.resolve("coordinator"))).as("nothing created").isFalse();
    }

    @ParameterizedTest(name = "agent {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--slots|0|a positive number of jobs",
        "--coordinator|ftp://x|ws://HOST:PORT",
        "--coordinator|ws://a:1,ws://a:1|is given twice",
        "--coordinator|ws://a:1,,ws://b:1|an entry is empty",
        "--heartbeat-interval|-1s|300s",
        "--health-port|70000|a port",
        "--reconnect-delay|soon|300s",
        "--protocol|hypernode-v3|hearth (the default) or hypernode-v2",
        "--runtimes|docker,gvisor|docker, qemu, firecracker"})
    void agent(String flag, String value, String form) throws Exception {
        CliRun r = CliRun.of(env("HN_NODE_TOKEN", "hnt_test"), "agent", flag, value);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(flag).contains(value).contains(form).doesNotContain("hnt_test");
        assertThat(Files.exists(home.resolve("agent"))).as("nothing created").isFalse();
    }

    @Test
    @DisplayName("agent --protocol hypernode-v2 takes one endpoint: a v2.0 network has one backend")
    void hypernodeOneEndpoint() throws Exception {
        CliRun r = CliRun.of(env("HN_NODE_TOKEN", "hnt_test"), "agent", "--protocol", "hypernode-v2",
                "--coordinator", "ws://a:1,ws://b:2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--coordinator").contains("ws://a:1,ws://b:2").contains("one endpoint")
                .doesNotContain("hnt_test");
    }

    @ParameterizedTest(name = "agent without a token ({0})")
    @CsvSource({"none", "blank"})
    void agentWithoutToken(String how) throws Exception {
        CliRun r = how.equals("none") ? CliRun.of(env(), "agent") : CliRun.of(env("HN_NODE_TOKEN", " "), "agent");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("HN_NODE_TOKEN").contains("hearth token create");
        assertThat(Files.exists(home.resolve("agent"))).isFalse();
    }
}
