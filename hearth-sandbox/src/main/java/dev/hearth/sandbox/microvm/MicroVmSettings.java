// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.vm.VmConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * How a microVM driver sizes its VMs, beyond what a {@link dev.hearth.sandbox.SandboxSpec} says.
 *
 * @param vcpus virtual CPUs for every VM, or empty to give each the CPUs its CPU quota asks for, rounded up
 * @param diskSize the size of each VM's own root disk (a grown copy of the image's rootfs), or empty to boot the
 *     image's rootfs itself, read-only and shared
 */
public record MicroVmSettings(Optional<Integer> vcpus, Optional<ByteSize> diskSize) {

    /** The defaults: vCPUs from the quota, the shared read-only rootfs. */
    public static final MicroVmSettings DEFAULTS = new MicroVmSettings(Optional.empty(), Optional.empty());

    public MicroVmSettings {
        Objects.requireNonNull(vcpus, "vcpus");
        Objects.requireNonNull(diskSize, "diskSize");
        vcpus.ifPresent(MicroVmSettings::checkVcpus);
    }

    /** Refuses a vCPU count outside 1..{@value VmConfig#MAX_VCPUS}, naming the flag. */
    static int checkVcpus(int n) {
        if (n < 1 || n > VmConfig.MAX_VCPUS) {
            throw new InvalidInputException("--vcpus", Integer.toString(n),
                    "a whole number of virtual CPUs within 1.." + VmConfig.MAX_VCPUS);
        }
        return n;
    }
}
