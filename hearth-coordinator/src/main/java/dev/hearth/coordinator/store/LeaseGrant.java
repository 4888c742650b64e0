// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One lease to grant in {@link Store#grantLeases}: a queued job, the node it goes to, the node's GPUs it gets and
 * when the lease expires.
 *
 * @param jobId the queued job
 * @param nodeId the registered node it is leased to
 * @param gpuIndexes the node's GPUs it holds (empty for none)
 * @param deadline when the lease expires; null for never
 */
public record LeaseGrant(String jobId, String nodeId, List<Integer> gpuIndexes, Instant deadline) {

    /** Checks the ids and copies the GPU list. */
    public LeaseGrant {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        gpuIndexes = List.copyOf(gpuIndexes);
    }
}
