// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import java.time.Instant;
import java.util.Set;

/**
 * What a queued job needs from a node, and its place in the queue.
 *
 * @param jobId the job
 * @param priority higher first
 * @param submittedAt older first among equal priorities
 * @param nanoCpus CPUs, in billionths
 * @param memoryBytes memory
 * @param gpus GPUs
 * @param minVramMib memory each GPU must have, in MiB
 * @param copyOf for a copy of a k-of-n job, that job's id (copies of one job go to distinct nodes); else null
 * @param avoid nodes it must not go to: those that hold or held a copy of the same job
 */
public record JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
        long minVramMib, String copyOf, Set<String> avoid) {

    /** A job that may go to any node. */
    public JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
            long minVramMib) {
        this(jobId, priority, submittedAt, nanoCpus, memoryBytes, gpus, minVramMib, null, Set.of());
    }

    public JobNeeds {
        avoid = Set.copyOf(avoid);
    }
}
