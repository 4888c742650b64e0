// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a microVM boots: a kernel (bzImage for QEMU, vmlinux for Firecracker), an ext4 root filesystem holding
 * Hearth's guest init, and an optional initramfs. Either built by {@link GuestImages} or the user's own.
 *
 * @param kernel the kernel image QEMU boots (bzImage; a vmlinux works too)
 * @param vmlinux the uncompressed kernel Firecracker boots, when known
 * @param rootfs the root filesystem image (ext4, with /sbin/hearth-init)
 * @param initrd an optional initramfs
 */
public record GuestImage(Path kernel, Optional<Path> vmlinux, Path rootfs, Optional<Path> initrd) {

    public GuestImage {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(vmlinux, "vmlinux");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(initrd, "initrd");
    }

    /**
     * The user's own images, checked before anything starts.
     *
     * @throws InvalidInputException naming the flag whose file is missing
     */
    public static GuestImage ofFiles(Path kernel, Path rootfs, Optional<Path> initrd) {
        requireFile("--base-kernel", kernel);
        requireFile("--base-rootfs", rootfs);
        initrd.ifPresent(p -> requireFile("--base-initrd", p));
        return new GuestImage(kernel, Optional.of(kernel), rootfs, initrd);
    }

    private static void requireFile(String field, Path path) {
        if (path == null || !Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidInputException(field, path == null ? null : path.toString(),
                    "the path of a readable file (none is there)");
        }
    }
}
