// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.WarmPoolDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("HostRuntimes builds a host's drivers from its settings, and names the runtime and what is missing")
class HostRuntimesTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("--runtimes takes a comma-separated list of docker, qemu and firecracker; anything else is named")
    void parsesRuntimes() {
        assertThat(HostSettings.parseRuntimes("--runtimes", "docker, qemu,docker")).containsExactly("docker", "qemu");
        assertThatThrownBy(() -> HostSettings.parseRuntimes("--runtimes", "docker,gvisor"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--runtimes 'docker,gvisor'")
                .hasMessageContaining("docker, qemu, firecracker");
        assertThatThrownBy(() -> HostSettings.parseRuntimes("--runtimes", ""))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--runtimes");
    }

    @Test
    @DisplayName("a qemu runtime without a guest image in the cache is refused at open: run hearth image build-vm")
    void missingGuestImage() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("BASE_IMAGES_DIR", dir.resolve("empty-cache").toString());
        HostSettings settings = new HostSettings(List.of("qemu"), env, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), HostSettings.Networking.NONE, false);
        assertThatThrownBy(() -> HostRuntimes.open(settings, BuildProgress.silent()))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("the qemu runtime has no guest kernel in " + dir.resolve("empty-cache"))
                .hasMessageContaining("hearth image build-vm");
    }

    @Test
    @DisplayName("an operator's kernel that is not there is refused by the settings, naming the flag")
    void missingOwnKernel() {
        assertThatThrownBy(() -> new HostSettings(List.of("qemu"), Map.of(), Optional.of(dir.resolve("bzImage")),
                Optional.of(dir.resolve("rootfs.ext4")), Optional.empty(), Optional.empty(), Optional.empty(),
                HostSettings.Networking.NONE, true))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--base-kernel");
    }

    @Test
    @DisplayName("a Docker-only host gives its driver, and refuses a runtime it does not offer with those it does")
    void dockerOnly() throws Exception {
        DockerFixture.driver();
        try (HostRuntimes host = HostRuntimes.open(HostSettings.docker(System.getenv()), BuildProgress.silent())) {
            assertThat(host.driver("docker").name()).isEqualTo("docker");
            assertThat(host.drivers()).containsOnlyKeys("docker");
            assertThatThrownBy(() -> host.driver("qemu")).isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("runtime 'qemu' is invalid").hasMessageContaining("offers: docker");
            assertThatThrownBy(() -> host.warmPools("qemu", new PoolSettings(1, Duration.ofMinutes(1))))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("offers: docker");
        }
    }

    @Test
    @DisplayName("jobs' drivers: docker's in front of warm pools of the operator's size, and plain with size 0")
    void jobDrivers() throws Exception {
        DockerFixture.driver();
        try (HostRuntimes host = HostRuntimes.open(HostSettings.docker(System.getenv()), BuildProgress.silent())) {
            assertThat(host.jobDrivers(PoolSettings.NONE)).containsExactlyEntriesOf(host.drivers());
            PoolSettings one = new PoolSettings(1, Duration.ofMinutes(1));
            SandboxDriver pooled = host.jobDrivers(one).get("docker");
            try (pooled) {
                assertThat(pooled).isInstanceOfSatisfying(WarmPoolDriver.class,
                        p -> assertThat(p.settings()).isEqualTo(one));
                assertThat(pooled.name()).isEqualTo("docker");
            }
            assertThatThrownBy(() -> host.jobDrivers(PoolSettings.NONE, true))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("--vm-templates 'on' is invalid").hasMessageContaining("qemu runtime");
        }
    }
}
