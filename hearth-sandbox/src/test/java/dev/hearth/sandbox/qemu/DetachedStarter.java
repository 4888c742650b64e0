// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A process that starts a detached VM and exits at once, as {@code hearth instance create} or an agent that is then
 * restarted does: {@code DetachedStarter ID KERNEL ROOTFS RUN_DIR} boots one vCPU and 256 MiB under TCG from
 * {@code KERNEL} with {@code ROOTFS} as its root drive and prints QEMU's pid. Run by {@link QemuConfinementTest}.
 */
final class DetachedStarter {

    private DetachedStarter() {
    }

    public static void main(String[] args) throws Exception {
        VmConfig config = new VmConfig(args[0], 1, 256, Path.of(args[1]), Optional.empty(), "console=ttyS0",
                List.of(new VmDrive("rootfs", Path.of(args[2]), true, false)), Optional.empty(), Path.of(args[3]));
        QemuVmm vmm = new QemuVmm(QemuVmm.DEFAULT_BINARY, Map.of(AcceleratorProbe.ENV, "tcg"));
        System.out.println(vmm.launchDetached(config, DetachedFiles.in(config.runDir())));
    }
}
