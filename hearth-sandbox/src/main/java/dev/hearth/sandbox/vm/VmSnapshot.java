// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.util.Objects;
import java.nio.file.Path;

/**
 * A paused microVM written to disk: its device and vCPU state, and its guest memory. Restoring it needs the same
 * drive files at the same paths (they are not part of the snapshot) and a TAP for its NIC.
 *
 * @param state the VMM's state file
 * @param memory the guest memory file
 */
public record VmSnapshot(Path state, Path memory) {

    public VmSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(memory, "memory");
    }
}
