// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.VmFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("hearth run --runtime qemu through a resident with QEMU pools: a warm VM, same output and exit as cold")
class QemuResidentRunE2eTest {

    @TempDir
    static Path home;
    private static ResidentUnderTest resident;

    @BeforeAll
    static void start() throws Exception {
        VmFixture.image();
        resident = ResidentUnderTest.start(home, HostRuntimes.open(new HostSettings(List.of("qemu"), System.getenv(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                HostSettings.Networking.NONE, false), BuildProgress.silent()), "qemu");
    }

    @AfterAll
    static void stop() throws Exception {
        resident.close();
    }

    @Test
    @DisplayName("a failing job with a secret: same stdout and exit status as a cold run, taken from the pool")
    void sameAsColdFromThePool() throws Exception {
        assertThat(resident.awaitReady(Duration.ofSeconds(120))).as("a warm VM ready").isEqualTo(1);
        String[] args = {"run", "--runtime", "qemu", "--secret", "TOKEN", "--job-id", "res-" + UUID.randomUUID(),
                "--", "sh", "-c", "echo hello ${#TOKEN}; echo warn >&2; exit 3"};
        Map<String, String> env = resident.env("always");
        env.put("TOKEN", "s3cr3t-resident");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OptionalInt exit = ResidentClient.run(args, env, out, err);
        // the refill waits a second, then boots for seconds: right after the run the pool is still empty
        assertThat(resident.pools().ready(ResidentUnderTest.DEFAULTS)).as("the warm VM was taken").isZero();
        assertThat(exit).as("ran through the resident").isPresent();
        Map<String, String> coldEnv = resident.env("never");
        coldEnv.put("TOKEN", "s3cr3t-resident");
        CliRun cold = CliRun.of(coldEnv, args);
        assertThat(exit.getAsInt()).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(cold.exit()).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(cold.out()).isEqualTo("hello 15\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("warn\n").contains("(qemu; network none")
                .doesNotContain("s3cr3t-resident");
    }
}
