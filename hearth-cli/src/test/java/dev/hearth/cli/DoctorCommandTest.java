// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth doctor checks the real host, prints what to fix, and exits 1 when a check fails")
class DoctorCommandTest {

    @TempDir
    Path home;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", home.toString());
        env.put("BASE_IMAGES_DIR", home.resolve("images").toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    @DisplayName("--json on this host: the real Docker engine's version, every check with a status, ok matching the exit")
    void json() throws Exception {
        CliRun r = CliRun.of(env(), "doctor", "--json", "--no-ports");
        JsonNode doc = new ObjectMapper().readTree(r.out());
        Map<String, JsonNode> byName = new HashMap<>();
        doc.get("checks").forEach(c -> byName.put(c.get("name").asText(), c));
        assertThat(byName).containsKeys("java", "docker", "cgroup", "kvm", "qemu", "firecracker", "vm-user",
                "iptables", "bridge", "disk:coordinator", "disk:agent", "disk:images");
        assertThat(byName.get("docker").get("status").asText()).isEqualTo("ok");
        assertThat(byName.get("docker").get("detail").asText()).matches("Docker engine [0-9]+\\..*");
        assertThat(byName.get("disk:images").get("detail").asText()).contains(home.resolve("images").toString());
        boolean anyFailed = false;
        for (JsonNode c : doc.get("checks")) {
            assertThat(c.get("status").asText()).isIn("ok", "warn", "fail");
            anyFailed |= c.get("status").asText().equals("fail");
        }
        assertThat(doc.get("ok").asBoolean()).isEqualTo(!anyFailed);
        assertThat(r.exit()).isEqualTo(anyFailed ? 1 : 0);
    }

    @Test
    @DisplayName("an engine that is not there and a taken port fail, each with a line saying what to fix; exit 1")
    void failures() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.of(env("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock")), "doctor",
                    "--listen", "127.0.0.1:" + taken.getLocalPort());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).containsPattern("(?m)^fail +docker +.*no-docker.sock")
                    .contains("fix: start the engine")
                    .containsPattern("(?m)^fail +port:coordinator +127.0.0.1:" + taken.getLocalPort())
                    .contains("check(s) failed");
        }
    }

    @Test
    @DisplayName("bad flags are refused naming the flag and the accepted form")
    void badFlags() {
        CliRun r = CliRun.of(env(), "doctor", "--listen", "nowhere");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--listen 'nowhere' is invalid: HOST:PORT");
        assertThat(CliRun.of(env(), "doctor", "--min-free", "lots").err()).contains("--min-free 'lots'");
    }
}
