// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxContract;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("e2e")
@DisplayName("The QEMU microVM driver, booting Hearth's guest under QEMU (TCG here)")
class QemuMicroVmDriverTest extends SandboxContract {

    private static Path runRoot;
    private static MicroVmDriver driver;

    @BeforeAll
    static void boot() throws Exception {
        runRoot = Files.createTempDirectory("hvm-");
        driver = VmFixture.qemuDriver(runRoot);
    }

    @AfterAll
    static void shutDown() throws Exception {
        driver.close();
        assertThat(VmFixture.entries(runRoot)).as("run folders left behind").isEmpty();
        Files.deleteIfExists(runRoot);
    }

    @Override
    protected SandboxDriver driver() {
        return driver;
    }

    @Override
    protected SandboxSpec.Builder shell(String script) {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script)).name(newName());
    }

    private static String newName() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return "qt-" + HexFormat.of().formatHex(b);
    }

    /** VMs of this test still running, or still with a run folder. */
    @Override
    protected List<String> leftovers() throws Exception {
        List<String> left = new ArrayList<>(VmFixture.runningVms());
        left.addAll(VmFixture.entries(runRoot));
        return left;
    }

    @Override
    protected Map<String, String> notApplicable() {
        return Map.of(
                "natNetwork", "needs host networking, which tests set up only inside a namespace of their own, and this "
                        + "driver runs in the host's; MicroVmNetworkE2eTest runs networked VMs on HostNetwork in one",
                "privilegesDropped", "the guest drops every capability and sets no-new-privileges, but installs no "
                        + "seccomp filter: the VM boundary is the isolation (see guestDropsPrivileges)");
    }

    @Test
    @DisplayName("the guest drops capabilities and sets no-new-privileges for the job")
    void guestDropsPrivileges() throws Exception {
        Run r = run(shell("grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status").build());
        assertThat(r.stdout()).contains("CapEff:\t0000000000000000").contains("CapBnd:\t0000000000000000")
                .contains("NoNewPrivs:\t1");
    }

    @Test
    @DisplayName("exit code 0 is propagated, and the job's output arrives whole")
    void exitZero() throws Exception {
        Run r = run(shell("i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done").build());
        assertThat(r.exit().exitCode()).isZero();
        assertThat(r.stdout().lines()).hasSize(300).startsWith("line 0").endsWith("line 299");
    }

    @Test
    @DisplayName("a job past its timeout is stopped: the VM is killed and nothing is left (process, files)")
    void timeoutKillsVm() throws Exception {
        SandboxSpec spec = shell("trap '' TERM; echo started; sleep 600").build();
        StringBuilder out = new StringBuilder();
        MicroVmSandbox s = driver.create(spec);
        Path runDir = s.config().runDir();
        try (s) {
            s.start((stream, bytes, off, len) -> out.append(new String(bytes, off, len)));
            assertThat(s.awaitReady(Duration.ofSeconds(60))).isPresent();
            assertThat(s.await(Duration.ofSeconds(2))).isEmpty();
            long pid = s.process().orElseThrow().pid();
            assertThat(Files.exists(Path.of("/proc/" + pid))).isTrue();
            assertThat(VmFixture.entries(runDir)).contains("config.ext4", "qmp.sock", OwnerRecord.FILE);
            assertThat(s.endpoint(8080)).as("a VM without a NIC publishes no port").isEmpty();
            ExitStatus stopped = s.stop(Duration.ofSeconds(1));
            assertThat(stopped.exitCode()).isEqualTo(137);
            assertThat(Files.exists(Path.of("/proc/" + pid))).as("qemu process %d is gone", pid).isFalse();
        }
        assertThat(Files.exists(runDir)).as("run folder removed").isFalse();
        assertThat(VmFixture.runningVms()).doesNotContain(spec.name());
    }

    @Test
    @DisplayName("a job that honours SIGTERM ends with its own status when stopped")
    void gracefulStop() throws Exception {
        SandboxSpec spec = shell("trap 'echo bye; exit 143' TERM; echo started; while true; do sleep 1; done").build();
        StringBuilder out = new StringBuilder();
        try (MicroVmSandbox s = driver.create(spec)) {
            s.start((stream, bytes, off, len) -> out.append(new String(bytes, off, len)));
            assertThat(s.awaitReady(Duration.ofSeconds(60))).isPresent();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!out.toString().contains("started") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            ExitStatus stopped = s.stop(Duration.ofSeconds(30));
            assertThat(stopped.exitCode()).isEqualTo(143);
            assertThat(out.toString()).contains("bye");
        }
    }

    @Test
    @DisplayName("a VM that crashed under the sandbox is still cleaned up by close")
    void closeAfterCrash() throws Exception {
        SandboxSpec spec = shell("sleep 600").build();
        MicroVmSandbox s = driver.create(spec);
        Path runDir = s.config().runDir();
        s.start(LogSink.discard());
        assertThat(s.awaitReady(Duration.ofSeconds(60))).isPresent();
        s.process().orElseThrow().kill(); // the VMM dies under the sandbox
        assertThatThrownBy(() -> s.await(Duration.ofSeconds(10))).isInstanceOf(SandboxException.class)
                .hasMessageContaining("ended without reporting the job's exit");
        s.close();
        assertThat(Files.exists(runDir)).isFalse();
        assertThat(VmFixture.runningVms()).doesNotContain(spec.name());
    }

    @Test
    @DisplayName("the workload's files, secrets included, never outlive the sandbox on the host")
    void configDrivePrivate() throws Exception {
        SandboxSpec spec = shell("echo $TOKEN").secrets(Map.of("TOKEN",
                dev.hearth.core.job.SecretValue.of("s3cret"))).build();
        MicroVmSandbox s = driver.create(spec);
        Path drive = s.config().runDir().resolve(ConfigDrive.FILE);
        try (s) {
            assertThat(Files.getPosixFilePermissions(drive)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            assertThat(VmFixture.entries(s.config().runDir())).doesNotContain("config.d");
        }
        assertThat(Files.exists(drive)).isFalse();
    }
}
