// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * Told the id of each job a store operation may have changed (its state, holder or reason), after the operation's
 * transaction committed, so a reader that keeps jobs in memory (the scheduler's queue) can read them again. The store
 * stays the truth: a watcher learns only which jobs to re-read, never what they became.
 *
 * <p>With several coordinators on one database (PostgreSQL), a watcher is also told of the jobs the others changed,
 * a moment after they committed, on the store's listening thread.
 *
 * <p>Called on the thread of the operation, so an implementation must be thread-safe and cheap (queue the id, do
 * not read the store there). A job may be reported more than once, or reported when nothing changed.
 */
@FunctionalInterface
public interface JobWatch {

    /** The job with this id may have changed. */
    void changed(String jobId);

    /**
     * Another coordinator on the same database changed the job with this id (a cancel through its API, a lease its
     * liveness decision took back): what the job's holder must hear may have to be sent from here, where the node is
     * connected. By default the same as {@link #changed}.
     */
    default void changedElsewhere(String jobId) {
        changed(jobId);
    }

    /**
     * Changes may have been missed: another coordinator on the same database changed jobs while this one was not
     * listening (a lost connection, an announcement lost with a coordinator that died). The watcher should read
     * everything again. Never called by a store no other coordinator shares.
     */
    default void missed() {
    }
}
