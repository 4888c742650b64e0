// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * Told the id of each job a store operation may have changed (its state, holder or reason), after the operation's
 * transaction committed, so a reader that keeps jobs in memory (the scheduler's queue) can read them again. The store
 * stays the truth: a watcher learns only which jobs to re-read, never what they became.
 *
 * <p>Called on the thread of the operation, so an implementation must be thread-safe and cheap (queue the id, do
 * not read the store there). A job may be reported more than once, or reported when nothing changed.
 */
@FunctionalInterface
public interface JobWatch {

    /** The job with this id may have changed. */
    void changed(String jobId);
}
