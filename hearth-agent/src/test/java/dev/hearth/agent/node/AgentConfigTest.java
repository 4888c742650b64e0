// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.PoolSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Agent settings: flags over HN_* variables over the config file over the original's defaults")
class AgentConfigTest {

    @TempDir
    Path dir;

    private AgentConfig resolve(Map<AgentConfig.Key, String> flags, Map<String, String> env, Path file)
            throws Exception {
        return AgentConfig.resolve(flags, env, file, dir, 4);
    }

    @Test
    @DisplayName("with only a token, the original's defaults apply")
    void defaults() throws Exception {
        AgentConfig c = resolve(Map.of(), Map.of("HN_NODE_TOKEN", "hnt_x"), null);
        assertThat(c.endpoints()).containsExactly(URI.create("ws://127.0.0.1:7070/v1/agent"));
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.jobTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.maxLogChars()).isEqualTo(10_000);
        assertThat(c.reconnectDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.slots()).isEqualTo(4);
        assertThat(c.toString()).doesNotContain("hnt_x");
    }

    @Test
    @DisplayName("a flag beats the variable, which beats the file; HN_ENDPOINT's bare host gets the agent path")
    void precedence() throws Exception {
        Path file = Files.writeString(dir.resolve("agent.conf"),
                "heartbeat-interval = 30\njob-timeout = 20m\nslots = 2\ncoordinator = ws://file:1\n");
        AgentConfig c = resolve(Map.of(AgentConfig.Key.SLOTS, "8"),
                Map.of("HN_NODE_TOKEN", "t", "HN_HEARTBEAT_INTERVAL", "15", "HN_ENDPOINT", "wss://nodes.example.org"),
                file);
        assertThat(c.slots()).isEqualTo(8);
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.jobTimeout()).isEqualTo(Duration.ofMinutes(20));
        assertThat(c.endpoints()).containsExactly(URI.create("wss://nodes.example.org/v1/agent"));
        AgentConfig http = resolve(Map.of(AgentConfig.Key.ENDPOINT, "http://10.0.0.5:7070"),
                Map.of("HN_NODE_TOKEN", "t"), null);
        assertThat(http.endpoints()).containsExactly(URI.create("ws://10.0.0.5:7070/v1/agent"));
    }

    @Test
    @DisplayName("several coordinators, comma-separated, keep their order; an empty entry, a repeat, a bad one or too "
            + "many are refused naming the source and the form")
    void endpointList() throws Exception {
        AgentConfig c = resolve(Map.of(AgentConfig.Key.ENDPOINT,
                "ws://a:7070, wss://b.example.org ,http://c:1/v1/agent"), Map.of("HN_NODE_TOKEN", "t"), null);
        assertThat(c.endpoints()).containsExactly(URI.create("ws://a:7070/v1/agent"),
                URI.create("wss://b.example.org/v1/agent"), URI.create("ws://c:1/v1/agent"));
        assertThat(resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t", "HN_ENDPOINT", "ws://a:1,ws://b:2"), null)
                .endpoints()).hasSize(2);
        String many = String.join(",", java.util.stream.IntStream.rangeClosed(1, 17)
                .mapToObj(i -> "ws://h" + i + ":7070").toList());
        for (String bad : new String[] {"ws://a:1,", ",ws://a:1", "ws://a:1,,ws://b:1", "ws://a:1,ws://a:1/v1/agent",
            "ws://a:1,ftp://b:1", many}) {
            assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.ENDPOINT, bad), Map.of("HN_NODE_TOKEN", "t"),
                    null)).as(bad).isInstanceOf(InvalidInputException.class).hasMessageContaining("--coordinator")
                    .hasMessageContaining("ws://HOST:PORT");
        }
    }

    @Test
    @DisplayName("the metrics address is HOST:PORT from --metrics-address or HN_METRICS_ADDRESS; a bad one names the "
            + "flag and the form")
    void metricsAddress() throws Exception {
        assertThat(resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), null).metricsAddress()).isNull();
        AgentConfig c = resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t", "HN_METRICS_ADDRESS", "127.0.0.1:9464"), null);
        assertThat(c.metricsAddress()).isEqualTo(new java.net.InetSocketAddress("127.0.0.1", 9464));
        assertThat(resolve(Map.of(AgentConfig.Key.METRICS_ADDRESS, "[::1]:9465"), Map.of("HN_NODE_TOKEN", "t"), null)
                .metricsAddress().getPort()).isEqualTo(9465);
        for (String bad : new String[] {"9464", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", ":9464", "host:x"}) {
            assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.METRICS_ADDRESS, bad),
                    Map.of("HN_NODE_TOKEN", "t"), null)).as(bad).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("--metrics-address").hasMessageContaining("HOST:PORT");
        }
    }

    @Test
    @DisplayName("runtimes and vm-templates come from the file unless their flags are given (docker and off when "
            + "unset); a bad list, a value other than on or off, or templates without qemu are refused naming the key")
    void runtimesAndTemplates() throws Exception {
        AgentConfig none = resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), null);
        assertThat(none.runtimes()).containsExactly("docker");
        assertThat(none.vmTemplates()).isFalse();
        Path file = Files.writeString(dir.resolve("vm.conf"), "runtimes = docker, qemu\nvm-templates = on\n");
        AgentConfig fromFile = resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), file);
        assertThat(fromFile.runtimes()).containsExactly("docker", "qemu");
        assertThat(fromFile.vmTemplates()).isTrue();
        assertThat(resolve(Map.of(AgentConfig.Key.VM_TEMPLATES, "off"), Map.of("HN_NODE_TOKEN", "t"), file)
                .vmTemplates()).isFalse();
        assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.RUNTIMES, "docker"), Map.of("HN_NODE_TOKEN", "t"),
                file)).isInstanceOf(InvalidInputException.class).hasMessageStartingWith(file + ": vm-templates 'on' "
                        + "is invalid: off, or on together with qemu among the runtimes (now docker)");
        Path lxc = Files.writeString(dir.resolve("lxc.conf"), "runtimes = docker,lxc\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), lxc))
                .hasMessageStartingWith(lxc + ": runtimes 'docker,lxc' is invalid: a comma-separated list of runtimes");
        Path yes = Files.writeString(dir.resolve("yes.conf"), "runtimes = qemu\nvm-templates = yes\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), yes))
                .hasMessage(yes + ": vm-templates 'yes' is invalid: on or off");
    }

    @Test
    @DisplayName("pool-size and pool-idle come from the file unless their flags are given; none set keeps no pools; "
            + "a bad value is refused with the flag's form, naming the file's key")
    void pools() throws Exception {
        assertThat(resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), null).pools()).isEqualTo(PoolSettings.NONE);
        Path file = Files.writeString(dir.resolve("agent.conf"), "pool-size = 3\npool-idle = 5m\n");
        AgentConfig fromFile = resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), file);
        assertThat(fromFile.pools()).isEqualTo(new PoolSettings(3, Duration.ofMinutes(5)));
        AgentConfig flagged = resolve(Map.of(AgentConfig.Key.POOL_SIZE, "1"), Map.of("HN_NODE_TOKEN", "t"), file);
        assertThat(flagged.pools()).isEqualTo(new PoolSettings(1, Duration.ofMinutes(5)));
        assertThat(resolve(Map.of(AgentConfig.Key.POOL_IDLE, "1h"), Map.of("HN_NODE_TOKEN", "t"), file).pools())
                .isEqualTo(new PoolSettings(3, Duration.ofHours(1)));
        Path big = Files.writeString(dir.resolve("big.conf"), "pool-size = 17\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), big))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(big + ": pool-size '17' is invalid: a whole number within 0..16 (ready sandboxes kept "
                        + "per image and limits; 0 keeps none)");
        assertThat(resolve(Map.of(AgentConfig.Key.POOL_SIZE, "2"), Map.of("HN_NODE_TOKEN", "t"), big).pools().size())
                .as("the flag wins, so the file's value is not read").isEqualTo(2);
        Path idle = Files.writeString(dir.resolve("idle.conf"), "pool-idle = 25h\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), idle))
                .hasMessage(idle + ": pool-idle '25h' is invalid: a duration within 1s..24h, e.g. 10m");
        assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.POOL_IDLE, "soon"), Map.of("HN_NODE_TOKEN", "t"),
                idle)).hasMessageStartingWith("--pool-idle 'soon' is invalid: a positive duration such as 300s");
    }

    @Test
    @DisplayName("the token comes from a file when one is named, and a config file may not hold it in clear")
    void tokenSources() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "hnt_from_file\n");
        AgentConfig c = resolve(Map.of(AgentConfig.Key.TOKEN_FILE, tokenFile.toString()), Map.of(), null);
        assertThat(c.token()).isEqualTo("hnt_from_file");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("HN_NODE_TOKEN").hasMessageContaining("hearth token create");
        Path clear = Files.writeString(dir.resolve("clear.conf"), "token = hnt_secret\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), clear))
                .hasMessageContaining("token-file").hasMessageNotContaining("hnt_secret");
    }

    @Test
    @DisplayName("a malformed value names where it came from and the accepted form")
    void badValues() throws Exception {
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t", "HN_HEARTBEAT_INTERVAL", "often"),
                null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("HN_HEARTBEAT_INTERVAL")
                .hasMessageContaining("often").hasMessageContaining("300s");
        assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.SLOTS, "0"), Map.of("HN_NODE_TOKEN", "t"), null))
                .hasMessageContaining("--slots").hasMessageContaining("a positive number of jobs");
        assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.ENDPOINT, "ftp://x"), Map.of("HN_NODE_TOKEN", "t"),
                null)).hasMessageContaining("--coordinator").hasMessageContaining("ws://HOST:PORT");
        Path file = Files.writeString(dir.resolve("typo.conf"), "heartbeat = 5\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("HN_NODE_TOKEN", "t"), file))
                .hasMessageContaining("typo.conf: heartbeat").hasMessageContaining("heartbeat-interval");
        assertThatThrownBy(() -> resolve(Map.of(AgentConfig.Key.HEALTH_PORT, "70000"), Map.of("HN_NODE_TOKEN", "t"),
                null)).hasMessageContaining("--health-port");
    }
}
