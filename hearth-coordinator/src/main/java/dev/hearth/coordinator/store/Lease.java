// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A job given to a node. The epoch is a fencing token: it grows with every grant of the same job, and only a
 * result carrying the live lease's epoch is accepted.
 *
 * @param jobId the job
 * @param nodeId the node that holds it
 * @param epoch the job's epoch under this lease, from 1
 * @param grantedAt when it was granted
 * @param gpuIndexes the node's GPUs given to the job (empty for none)
 * @param deadline when the lease is revoked if no result came (the job's timeout plus the operator's grace); null for
 *     a lease without one
 */
public record Lease(String jobId, String nodeId, long epoch, Instant grantedAt, List<Integer> gpuIndexes,
        Instant deadline) {

    /** Checks the fields. */
    public Lease {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(grantedAt, "grantedAt");
        gpuIndexes = List.copyOf(gpuIndexes);
        if (epoch < 1) {
            throw new IllegalArgumentException("lease epoch of job " + jobId + " must be at least 1, got " + epoch);
        }
    }

    /** A lease without a deadline. */
    public Lease(String jobId, String nodeId, long epoch, Instant grantedAt, List<Integer> gpuIndexes) {
        this(jobId, nodeId, epoch, grantedAt, gpuIndexes, null);
    }
}
