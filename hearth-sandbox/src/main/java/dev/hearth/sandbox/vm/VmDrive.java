// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A block device given to a microVM: a raw image file on the host.
 *
 * @param id a short name for the drive, unique within its VM ({@code rootfs}, {@code config})
 * @param path the image file on the host
 * @param root whether the guest mounts it as its root filesystem (exactly one drive of a VM is)
 * @param readOnly whether the guest may only read it
 */
public record VmDrive(String id, Path path, boolean root, boolean readOnly) {

    public VmDrive {
        if (id == null || !id.matches("[a-z0-9_]{1,32}")) {
            throw new IllegalArgumentException("drive id must match [a-z0-9_]{1,32}, got " + id);
        }
        Objects.requireNonNull(path, "path");
    }
}
