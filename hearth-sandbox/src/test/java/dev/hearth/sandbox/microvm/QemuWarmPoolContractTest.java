// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxContract;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.WaitingPools;
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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;

/**
 * The sandbox contract, run on microVMs taken from a warm pool: every poolable spec waits until a warm VM is ready,
 * so each test's job reaches its VM over the console, not on a config drive (specs that cannot be pooled run cold).
 */
@Tag("e2e")
@DisplayName("QEMU microVM warm pools pass the sandbox contract (TCG here)")
class QemuWarmPoolContractTest extends SandboxContract {

    private static Path runRoot;
    private static MicroVmWarmPools pools;
    private static WaitingPools waiting;

    @Override
    protected SandboxDriver driver() throws Exception {
        synchronized (QemuWarmPoolContractTest.class) {
            if (pools == null) {
                runRoot = Files.createTempDirectory("hvm-pc-");
                pools = (MicroVmWarmPools) VmFixture.qemuDriver(runRoot)
                        .warmPools(new PoolSettings(1, Duration.ofMinutes(5)));
                waiting = new WaitingPools(pools, spec -> true, s -> s.id().startsWith("hearth-pool-"));
            }
        }
        return waiting;
    }

    @AfterAll
    static void drain() throws Exception {
        if (pools != null) {
            pools.close();
            pools = null;
            assertThat(VmFixture.entries(runRoot)).as("run folders left behind").isEmpty();
            Files.deleteIfExists(runRoot);
        }
    }

    @Override
    protected SandboxSpec.Builder shell(String script) {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script)).name("qp-" + HexFormat.of()
                .formatHex(b));
    }

    /** The VMs of this test's jobs still running, or still with a run folder. */
    @Override
    protected List<String> leftovers() throws Exception {
        List<String> running = VmFixture.runningVms();
        List<String> folders = VmFixture.entries(runRoot);
        List<String> left = new ArrayList<>();
        waiting.ids().forEach((job, id) -> {
            if (running.contains(id) || folders.contains(id)) {
                left.add(job);
            }
        });
        return left;
    }

    @Override
    protected Map<String, String> notApplicable() {
        return Map.of(
                "natNetwork", "needs host networking (see QemuMicroVmDriverTest); NAT jobs are never pooled anyway",
                "privilegesDropped", "as QemuMicroVmDriverTest: no seccomp filter in the guest, the VM is the boundary");
    }
}
