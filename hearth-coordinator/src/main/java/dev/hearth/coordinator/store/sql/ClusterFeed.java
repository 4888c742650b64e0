// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.JobWatch;
import java.util.Collection;
import java.util.List;

/**
 * What coordinators sharing one database tell each other through it: which jobs one of them changed (so the others'
 * schedulers read them again), and which one of them decides node liveness and lease expiry for all. A store no other
 * coordinator shares (SQLite) has {@link #NONE}: nothing to announce, and it always decides.
 */
interface ClusterFeed extends AutoCloseable {

    /** The feed of a store only this coordinator uses. */
    ClusterFeed NONE = new ClusterFeed() {
        @Override
        public void announce(Collection<String> jobIds) {
        }

        @Override
        public void start(List<JobWatch> watchers) {
        }

        @Override
        public boolean decides() {
            return true;
        }

        @Override
        public void close() {
        }
    };

    /** Tells the other coordinators, soon and without blocking, that these jobs changed (their rows committed). */
    void announce(Collection<String> jobIds);

    /** Starts telling {@code watchers} (a live list) of the jobs the other coordinators announce. */
    void start(List<JobWatch> watchers);

    /** Whether this coordinator decides node liveness and lease expiry now (exactly one of them does at a time). */
    boolean decides();

    /** Stops listening and gives up the decision; announcements still queued are sent first. */
    @Override
    void close();
}
