// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * A client's limits; 0 in any field means no limit.
 *
 * @param concurrentJobs jobs live at once: queued, leased or running
 * @param queuedJobs jobs waiting to be placed at once
 * @param cpus CPUs asked for by its live (queued, leased, running) jobs together
 * @param memoryBytes memory asked for by its live jobs together
 * @param gpus GPUs asked for by its live jobs together
 * @param instances instances it owns at once (created through the coordinator, not yet destroyed)
 * @param requestsPerMinute API calls per minute
 */
public record Quota(int concurrentJobs, int queuedJobs, double cpus, long memoryBytes, int gpus, int instances,
        int requestsPerMinute) {

    /** No limits at all. */
    public static final Quota NONE = new Quota(0, 0, 0, 0, 0, 0, 0);

    /** Refuses negative limits. */
    public Quota {
        if (concurrentJobs < 0 || queuedJobs < 0 || cpus < 0 || memoryBytes < 0 || gpus < 0 || instances < 0
                || requestsPerMinute < 0) {
            throw new IllegalArgumentException("quota limits are 0 (no limit) or more, got " + this);
        }
    }
}
