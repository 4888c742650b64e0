// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /boot-source} (pre-boot): the kernel, an optional initrd and the kernel command line. Paths are as the
 * Firecracker process sees them (inside the jailer's chroot when jailed).
 *
 * @param kernelImagePath an uncompressed vmlinux (ELF); Firecracker cannot boot a bzImage on x86_64
 * @param initrdPath the initramfs, or {@code null} for none
 * @param bootArgs the kernel command line
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BootSource(
        @JsonProperty("kernel_image_path") String kernelImagePath,
        @JsonProperty("initrd_path") String initrdPath,
        @JsonProperty("boot_args") String bootArgs) implements FirecrackerRequest {

    public BootSource {
        Objects.requireNonNull(kernelImagePath, "kernelImagePath");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/boot-source";
    }
}
