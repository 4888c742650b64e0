// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.net.TestNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process running a networked microVM is killed with SIGKILL (no shutdown hook runs), then a new driver's
 * {@link MicroVmDriver#reapOrphans()} frees what it left: the QEMU process, the TAP and its address, the run
 * folder. The VM's owner is a child JVM inside a test namespace ({@link VmChild}, mode {@code orphan}), so the TAP
 * and bridge never touch the host's network; the reaper runs in the test's JVM on the same run root and network
 * state, its network commands prefixed with the namespace.
 */
@Tag("e2e")
@DisplayName("Orphaned microVMs")
class MicroVmOrphanE2eTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a VM whose owner was SIGKILLed is reaped: its QEMU killed, its TAP detached, its files removed")
    void reapsTheVmOfAKilledOwner() throws Exception {
        Path state = dir.resolve("net");
        Path runRoot = dir.resolve("run");
        try (TestNamespace ns = TestNamespace.create()) {
            HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(state).inNamespace(ns.name()));
            try {
                String id;
                String tap;
                Path runDir;
                try (ChildJvm child = ChildJvm.start(ns.inside(), "orphan", state.toString(), runRoot.toString())) {
                    String[] ready = child.expect("READY", Duration.ofSeconds(180));
                    id = ready[1];
                    tap = ready[2];
                    runDir = Path.of(ready[3]);
                    child.kill();
                    assertThat(child.process().exitValue()).isEqualTo(137);
                }
                // what the crash left, so the reaper has something to do
                assertThat(VmFixture.runningVms()).as("QEMU outlives its killed owner").contains(id);
                assertThat(ns.succeeds("ip", "link", "show", tap)).isTrue();
                assertThat(Files.isDirectory(runDir)).isTrue();
                assertThat(net.attached()).hasSize(1);

                try (MicroVmDriver driver = new MicroVmDriver(VmFixture.qemu(), VmFixture.image(), Optional.of(net),
                        runRoot, MicroVmSettings.DEFAULTS, InstantSource.system())) {
                    assertThat(driver.reapOrphans()).isEqualTo(1);
                    assertThat(driver.reapOrphans()).as("a second reap finds nothing").isZero();
                }
                assertThat(VmFixture.runningVms()).as("QEMU processes").doesNotContain(id);
                assertThat(ns.succeeds("ip", "link", "show", tap)).as("the TAP").isFalse();
                assertThat(net.attached()).as("the address is free again").isEmpty();
                assertThat(VmFixture.entries(runRoot)).as("run folders").isEmpty();
            } finally {
                MicroVmNetworkE2eTest.cleanUp(net, runRoot);
            }
        }
    }

    @Test
    @DisplayName("a warm VM whose pool's owner was SIGKILLed is reaped: its QEMU killed, its run folder removed")
    void reapsTheWarmVmOfAKilledOwner() throws Exception {
        Path runRoot = dir.resolve("run");
        String id;
        Path runDir;
        try (ChildJvm child = ChildJvm.start(List.of(), "pool", dir.resolve("net").toString(), runRoot.toString())) {
            String[] ready = child.expect("READY", Duration.ofSeconds(180));
            id = ready[1];
            runDir = Path.of(ready[2]);
            child.kill();
        }
        assertThat(id).startsWith("hearth-pool-");
        assertThat(VmFixture.runningVms()).as("QEMU outlives its killed owner").contains(id);
        assertThat(Files.isDirectory(runDir)).isTrue();
        try (MicroVmDriver driver = VmFixture.qemuDriver(runRoot)) {
            assertThat(driver.reapOrphans()).isEqualTo(1);
        }
        assertThat(VmFixture.runningVms()).as("QEMU processes").doesNotContain(id);
        assertThat(VmFixture.entries(runRoot)).as("run folders").isEmpty();
    }
}
