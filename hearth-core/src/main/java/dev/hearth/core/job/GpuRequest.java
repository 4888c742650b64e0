// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import java.util.List;

/**
 * GPUs asked for by a workload: either a count the host picks, or explicit device ids it was assigned.
 *
 * <p>Hearth never hands every GPU to every GPU job (the original's defect): a sandbox gets exactly the devices
 * named here once a host has assigned them.
 *
 * @param count number of GPUs wanted (0 for none)
 * @param deviceIds explicit device indexes or UUIDs, once assigned; empty while only a count is known
 * @param minVramMib minimum free memory per GPU, in MiB (0 for any)
 */
public record GpuRequest(int count, List<String> deviceIds, long minVramMib) {

    /** No GPU. */
    public static final GpuRequest NONE = new GpuRequest(0, List.of(), 0);

    public GpuRequest {
        if (count < 0) {
            throw new IllegalArgumentException("GPU count must not be negative, got " + count);
        }
        deviceIds = List.copyOf(deviceIds);
        if (!deviceIds.isEmpty() && deviceIds.size() != count) {
            throw new IllegalArgumentException("GPU request names " + deviceIds.size()
                    + " devices for a count of " + count);
        }
    }

    /** Whether any GPU is wanted. */
    public boolean any() {
        return count > 0;
    }
}
