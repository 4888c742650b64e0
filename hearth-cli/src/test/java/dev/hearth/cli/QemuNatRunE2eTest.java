// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.net.TestNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth run --runtime qemu --network nat}, the real command in its own process inside a test namespace
 * ({@link HearthInNamespace}), so the bridge, TAP and NAT rules it makes never touch the host's network.
 */
@Tag("e2e")
@DisplayName("hearth run --runtime qemu --network nat: the VM gets a NIC on Hearth's bridge")
class QemuNatRunE2eTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void guestImage() throws Exception {
        VmFixture.image();
    }

    @Test
    @DisplayName("the job sees its address and default route via the bridge; afterwards no TAP, VM or file is left")
    void natJob() throws Exception {
        String id = "nat-" + UUID.randomUUID();
        try (TestNamespace ns = TestNamespace.create()) {
            HearthInNamespace.Result r = HearthInNamespace.run(ns, Map.of("STATE_ROOT", dir.toString()),
                    "run", "--runtime", "qemu", "--network", "nat", "--job-id", id, "--", "sh", "-c",
                    "ip -4 -o addr show eth0 | awk '{print $4}'; ip route | grep default | awk '{print $3}'");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out().lines().toList()).contains("172.16.0.2/24", "172.16.0.1");
            assertThat(r.err()).contains("(qemu; network nat");

            String vm = MicroVmDriver.vmId("hearth-job-" + id);
            assertThat(VmFixture.runningVms()).doesNotContain(vm);
            assertThat(Files.exists(MicroVmDriver.defaultRunRoot().resolve(vm))).as("run folder").isFalse();
            assertThat(ns.run("ip", "-o", "link", "show", "master", "fc-br0")).as("TAPs on the bridge").isBlank();
            assertThat(ns.run("iptables-save").lines().filter(l -> l.contains("hearth:fc-br0")).count())
                    .as("only the bridge's shared rules").isEqualTo(4);
        }
    }
}
