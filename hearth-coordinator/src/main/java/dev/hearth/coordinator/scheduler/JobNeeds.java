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
 * @param runtime the sandbox runtime it runs in: only a node offering it may take the job
 */
public record JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
        long minVramMib, String copyOf, Set<String> avoid, String runtime) {

    /** The runtime of a job that names none. */
    public static final String DEFAULT_RUNTIME = dev.hearth.core.protocol.JobOffer.DEFAULT_RUNTIME;

    /** A Docker job that avoids {@code avoid}. */
    public JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
            long minVramMib, String copyOf, Set<String> avoid) {
        this(jobId, priority, submittedAt, nanoCpus, memoryBytes, gpus, minVramMib, copyOf, avoid, DEFAULT_RUNTIME);
    }

    /** A job that may go to any node. */
    public JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
            long minVramMib) {
        this(jobId, priority, submittedAt, nanoCpus, memoryBytes, gpus, minVramMib, null, Set.of());
    }

    public JobNeeds {
        avoid = Set.copyOf(avoid);
        runtime = runtime == null ? DEFAULT_RUNTIME : runtime;
    }

    /** These needs avoiding {@code nodes} (the nodes of the job's other copies). */
    public JobNeeds avoiding(Set<String> nodes) {
        return new JobNeeds(jobId, priority, submittedAt, nanoCpus, memoryBytes, gpus, minVramMib, copyOf, nodes,
                runtime);
    }
}
