// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * One GPU of a node, as its agent reported it.
 *
 * @param index the device index the agent uses to hand this GPU to a sandbox
 * @param model the model name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param vramTotalMib total memory in MiB
 * @param uuid the device's stable UUID
 */
public record GpuInfo(int index, String model, long vramTotalMib, String uuid) {

    /** Checks the fields: a negative index or memory size is refused. */
    public GpuInfo {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(uuid, "uuid");
        if (index < 0 || vramTotalMib < 0) {
            throw new IllegalArgumentException(
                    "GPU index and VRAM must not be negative, got index " + index + " and " + vramTotalMib + " MiB");
        }
    }
}
