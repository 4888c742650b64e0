// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.job.Redundancy;
import java.time.Instant;
import java.util.Objects;

/**
 * A job as the coordinator tracks it. Times are kept to the millisecond.
 *
 * @param id the job id
 * @param specJson the job spec as submitted, JSON
 * @param priority higher is placed first
 * @param maxRetries how many times the job may be tried again after a lost lease: it is attempted at most
 *     {@code 1 + maxRetries} times
 * @param attempts how many leases it has been granted so far
 * @param state where it stands
 * @param reason why it waits, cannot be placed, failed or was requeued; {@code null} when there is nothing to say
 * @param submittedAt when it was submitted
 * @param updatedAt when it last changed
 * @param nodeId the node that holds it, or held it last when it ended; {@code null} while queued
 * @param epoch the epoch of its latest lease, 0 before the first; a result must carry the live lease's epoch
 * @param parentId for a copy of a k-of-n job, the job it is a copy of; else null
 * @param copyIndex a copy's number, 1 to n; 0 for any other job
 * @param redundancy a k-of-n job's n and k ({@link JobState#REDUNDANT} parent); {@link Redundancy#NONE} otherwise
 */
public record JobRecord(String id, String specJson, int priority, int maxRetries, int attempts, JobState state,
        String reason, Instant submittedAt, Instant updatedAt, String nodeId, long epoch, String parentId,
        int copyIndex, Redundancy redundancy) {

    /** A job that is neither a copy nor a k-of-n parent. */
    public JobRecord(String id, String specJson, int priority, int maxRetries, int attempts, JobState state,
            String reason, Instant submittedAt, Instant updatedAt, String nodeId, long epoch) {
        this(id, specJson, priority, maxRetries, attempts, state, reason, submittedAt, updatedAt, nodeId, epoch, null,
                0, Redundancy.NONE);
    }

    /** Checks the required fields. */
    public JobRecord {
        Objects.requireNonNull(redundancy, "redundancy");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(specJson, "specJson");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(submittedAt, "submittedAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** Whether this is one copy of a k-of-n job. */
    public boolean isCopy() {
        return parentId != null;
    }

    /** The id of copy {@code index} of k-of-n job {@code parentId}: a valid job id, also in a container name. */
    public static String copyId(String parentId, int index) {
        return parentId + ".copy" + index;
    }

    /** Whether it may be granted another lease after losing this one: attempts left under {@code 1 + maxRetries}. */
    public boolean hasAttemptsLeft() {
        return attempts < 1 + maxRetries;
    }

    /**
     * The spec as submitted, read from its stored JSON (which only the store writes and reads).
     *
     * @throws java.io.UncheckedIOException when the stored JSON is unreadable
     */
    public StoredSpec spec() {
        return StoredSpec.parse(specJson);
    }

    /** The trace id the job was submitted under, or null (none, or a spec that cannot be read). */
    public String traceId() {
        return StoredSpec.traceIdOf(specJson);
    }

    /** This job with {@code reason} (null: none) and nothing else changed. */
    public JobRecord withReason(String reason) {
        return new JobRecord(id, specJson, priority, maxRetries, attempts, state, reason, submittedAt, updatedAt,
                nodeId, epoch, parentId, copyIndex, redundancy);
    }
}
