// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.DockerFixture;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("hearth run refuses bad input before creating anything, naming the flag and the accepted form")
class RunBadInputTest {

    private java.util.List<String> before;

    @BeforeEach
    void snapshot() throws Exception {
        before = DockerFixture.hearthContainers();
    }

    @AfterEach
    void nothingCreated() throws Exception {
        // none new: a container another test on the same engine removes meanwhile is not this run's doing
        assertThat(DockerFixture.hearthContainers()).as("containers created by a refused run")
                .isSubsetOf(before);
    }

    @ParameterizedTest(name = "{0} {1} -> mentions {2}")
    @CsvSource(delimiter = '|', value = {
            "--memory|12q|--memory '12q' is invalid: a positive size such as 512m",
            "--memory|0|--memory '0' is invalid",
            "--memory|-5m|--memory '-5m' is invalid",
            "--cpus|0|--cpus '0' is invalid: a positive number of CPUs",
            "--cpus|-1|--cpus '-1' is invalid",
            "--pids|0|--pids '0' is invalid: a positive whole number",
            "--pids|-3|--pids '-3' is invalid",
            "--pids|many|--pids 'many' is invalid",
            "--timeout|0|--timeout '0' is invalid: a positive duration such as 300s",
            "--timeout|0s|--timeout '0s' is invalid",
            "--timeout|5x|--timeout '5x' is invalid",
            "--network|host|--network 'host' is invalid: one of none, nat",
            "--image|Bad Image!|--image 'Bad Image!' is invalid: an image reference",
            "--image|UPPER:tag|--image 'UPPER:tag' is invalid",
            "--env|NOEQUALS|--env 'NOEQUALS' is invalid: NAME=VALUE",
            "--env|1BAD=x|--env '1BAD' is invalid",
            "--secret|HEARTH_TEST_UNSET_SECRET|--secret 'HEARTH_TEST_UNSET_SECRET' is invalid: the name of a variable set",
            "--file|/no/such/file.txt:in.txt|--file '/no/such/file.txt' is invalid: a readable local file",
            "--file|pom.xml:/etc/x|--file 'pom.xml:/etc/x' is invalid: LOCAL:PATH with PATH relative to /job",
            "--runtime|lxc|--runtime 'lxc' is invalid: docker, qemu or firecracker",
            "--vcpus|2|--runtime 'docker' is invalid: qemu or firecracker when",
            "--disk-size|1g|--runtime 'docker' is invalid: qemu or firecracker when",
            "--max-log-size|0|--max-log-size '0' is invalid",
            "--resident|sometimes|--resident 'sometimes' is invalid: auto, always or never",
    })
    void badFlag(String flag, String value, String message) {
        CliRun r = CliRun.of("run", flag, value, "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("hearth: " + message).contains("hearth run --help");
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest(name = "--runtime qemu {0} -> mentions {1}")
    @CsvSource(delimiter = '|', value = {
            "--vcpus 0|--vcpus '0' is invalid: a whole number of virtual CPUs within 1..32",
            "--vcpus 33|--vcpus '33' is invalid: a whole number of virtual CPUs within 1..32",
            "--cpus 40|cpus '40' is invalid: at most 32 CPUs in a microVM",
            "--base-kernel /no/such/bzImage|--base-kernel '/no/such/bzImage' is invalid: the path of a readable file",
            "--base-kernel pom.xml|--base-rootfs is required",
            "--base-kernel pom.xml --base-rootfs /no/rootfs.ext4|--base-rootfs '/no/rootfs.ext4' is invalid",
            "--base-kernel pom.xml --base-rootfs pom.xml --base-initrd /no/initrd|--base-initrd '/no/initrd' is invalid",
            "--base-kernel pom.xml --base-rootfs pom.xml --disk-size 1k|--disk-size '1k' is invalid: at least the root filesystem's size",
            "--disk-size lots|--disk-size 'lots' is invalid: a positive size",
    })
    void badMicroVmFlag(String flags, String message) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", "--runtime", "qemu"));
        args.addAll(java.util.List.of(flags.split(" ")));
        args.addAll(java.util.List.of("--", "true"));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("hearth: " + message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    @DisplayName("an unknown flag is refused by name with exit 2")
    void unknownFlag() {
        CliRun r = CliRun.of("run", "--memroy", "1g", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--memroy'");
    }

    @Test
    @DisplayName("an empty command is refused with an example")
    void emptyCommand() {
        CliRun r = CliRun.of("run");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("command is required").contains("hearth run -- echo hello");
    }

    @Test
    @DisplayName("a missing script file is refused by path")
    void missingScript() {
        CliRun r = CliRun.of("run", "--script", "/no/such/job.py");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--script '/no/such/job.py' is invalid: a readable local file");
    }

    @Test
    @DisplayName("--requirements with network none fails at once: packages cannot be installed offline")
    void requirementsOffline(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path script = java.nio.file.Files.writeString(dir.resolve("job.py"), "import numpy\n");
        CliRun r = CliRun.of("run", "--script", script.toString(), "--requirements", "numpy");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--requirements 'numpy' is invalid")
                .contains("can only be installed with network access, and the network is none")
                .contains("--network nat");
    }

    @Test
    @DisplayName("a requirement that is not a package name is refused")
    void requirementInjection(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path script = java.nio.file.Files.writeString(dir.resolve("job.py"), "print(1)\n");
        CliRun r = CliRun.of("run", "--network", "nat", "--script", script.toString(),
                "--requirements", "numpy; rm -rf /");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--requirements 'numpy;' is invalid");
    }

    @Test
    @DisplayName("an unreachable Docker engine gives one line saying so and how to start it, exit 125")
    void engineUnreachable() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("DOCKER_HOST", "unix:///tmp/hearth-test-no-docker.sock");
        CliRun r = CliRun.of(env, "run", "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("hearth: cannot reach the Docker engine at unix:///tmp/hearth-test-no-docker.sock")
                .contains("sudo systemctl start docker");
    }
}
