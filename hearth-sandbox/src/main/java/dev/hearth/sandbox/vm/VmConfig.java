// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One microVM as a {@link Vmm} boots it: the same description serves Firecracker and QEMU's microvm machine.
 * Validated on construction, before anything is started: bad values raise {@link InvalidInputException} naming
 * the field and the accepted form.
 *
 * @param id the VM's id, used for its run folder, sockets and TAP; {@code [a-z0-9-]{1,40}}
 * @param vcpus virtual CPUs, 1..{@value #MAX_VCPUS}
 * @param memoryMib guest memory in MiB, at least {@value #MIN_MEMORY_MIB}
 * @param kernel the guest kernel (vmlinux for Firecracker, bzImage or vmlinux for QEMU)
 * @param initrd an optional initramfs
 * @param bootArgs the kernel command line
 * @param drives block devices; exactly one is the root drive
 * @param nic the network interface, or empty for no NIC at all (network "none")
 * @param runDir a private folder for the VM's sockets, console and logs; the VMM removes what it made there
 */
public record VmConfig(
        String id,
        int vcpus,
        int memoryMib,
        Path kernel,
        Optional<Path> initrd,
        String bootArgs,
        List<VmDrive> drives,
        Optional<VmNic> nic,
        Path runDir) {

    /** The most vCPUs a Hearth VM may have (Firecracker's own limit is 32). */
    public static final int MAX_VCPUS = 32;
    /** The least memory a Hearth guest boots with. */
    public static final int MIN_MEMORY_MIB = 128;

    public VmConfig {
        if (id == null || !id.matches("[a-z0-9-]{1,40}")) {
            throw new InvalidInputException("vm id", id, "1..40 characters of [a-z0-9-]");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new InvalidInputException("vcpus", Integer.toString(vcpus), "a whole number within 1.." + MAX_VCPUS);
        }
        if (memoryMib < MIN_MEMORY_MIB) {
            throw new InvalidInputException("memory", memoryMib + " MiB",
                    "at least " + MIN_MEMORY_MIB + " MiB, the least a Hearth guest boots with");
        }
        requireFile("kernel", kernel);
        Objects.requireNonNull(initrd, "initrd");
        initrd.ifPresent(p -> requireFile("initrd", p));
        Objects.requireNonNull(bootArgs, "bootArgs");
        drives = List.copyOf(drives);
        long roots = drives.stream().filter(VmDrive::root).count();
        if (roots != 1) {
            throw new InvalidInputException("rootfs", roots == 0 ? null : roots + " root drives",
                    "exactly one root filesystem image");
        }
        for (VmDrive d : drives) {
            requireFile(d.root() ? "rootfs" : "drive " + d.id(), d.path());
        }
        if (drives.stream().map(VmDrive::id).distinct().count() != drives.size()) {
            throw new IllegalArgumentException("drive ids must be unique within a VM: " + drives);
        }
        Objects.requireNonNull(nic, "nic");
        Objects.requireNonNull(runDir, "runDir");
    }

    /** The root drive. */
    public VmDrive rootDrive() {
        return drives.stream().filter(VmDrive::root).findFirst().orElseThrow();
    }

    private static void requireFile(String field, Path path) {
        if (path == null) {
            throw new InvalidInputException(field, null, "the path of an existing file");
        }
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException(field, path.toString(), "the path of an existing file (none is there)");
        }
    }
}
