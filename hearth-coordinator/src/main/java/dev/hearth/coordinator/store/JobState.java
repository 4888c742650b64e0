// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * The life of a job in the coordinator. {@link #QUEUED} and {@link #UNPLACEABLE} wait for a node; {@link #LEASED}
 * and {@link #RUNNING} are held by one node under one lease epoch; {@link #VERIFYING} has its one result, which the
 * oracle has not yet judged; {@link #COMPLETED}, {@link #FAILED} and {@link #CANCELLED} are final; {@link #REDUNDANT}
 * is a k-of-n job waiting for its copies.
 */
public enum JobState {
    /** Waiting to be placed. */
    QUEUED,
    /** Given to a node under a lease; the node has not yet said it started. */
    LEASED,
    /** The node holding the lease said it started the job. */
    RUNNING,
    /** Its result is in (the lease ended with it) and waits for the oracle's verdict; not final. */
    VERIFYING,
    /** Final: a result with status {@code completed} was accepted. */
    COMPLETED,
    /** Final: a result with another status was accepted, or the job ran out of attempts. */
    FAILED,
    /** Final: cancelled by a user. */
    CANCELLED,
    /** No node could ever fit it as things stand; the job's reason says why. Not final: a new node may fit it. */
    UNPLACEABLE,
    /**
     * A k-of-n job: never placed itself, its copies (jobs of their own) run on distinct nodes; it becomes
     * {@link #COMPLETED} when k copies agree, {@link #FAILED} when they no longer can. Not final.
     */
    REDUNDANT;

    /** Whether nothing can change this job any more. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** Whether the job's run is over: its result is in (verifying) or it is final. */
    public boolean isEnded() {
        return this == VERIFYING || isFinal();
    }

    /** Whether a node holds this job under a live lease. */
    public boolean isHeld() {
        return this == LEASED || this == RUNNING;
    }
}
