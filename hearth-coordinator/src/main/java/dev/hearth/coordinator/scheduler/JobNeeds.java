package dev.hearth.coordinator.scheduler;

import java.time.Instant;

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
 */
public record JobNeeds(String jobId, int priority, Instant submittedAt, long nanoCpus, long memoryBytes, int gpus,
        long minVramMib) {
}
