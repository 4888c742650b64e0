// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.JobWatch;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * What coordinators sharing one database tell each other through it: which jobs one of them changed (so the others'
 * schedulers read them again), which instance commands one of them recorded or finished (so the node's coordinator
 * relays them, and the sender reads the answer), and which one of them decides node liveness and lease expiry for
 * all. A store no other coordinator shares (SQLite) has {@link #NONE}: nothing to announce, and it always decides.
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
        public boolean shared() {
            return false;
        }

        @Override
        public void announceCommand(Connection c, String requestId) {
        }

        @Override
        public void watchCommands(Consumer<String> listener) {
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

    /** Whether other coordinators may share the database. */
    boolean shared();

    /**
     * Announces, inside the transaction on {@code c}, that instance command {@code requestId} was recorded or
     * finished: the others hear of it when that transaction commits, and not at all when it rolls back.
     */
    void announceCommand(Connection c, String requestId) throws SQLException;

    /**
     * Tells {@code listener} the request id of each instance command another coordinator announced, on the
     * listening thread, and {@code null} when announcements may have been missed.
     */
    void watchCommands(Consumer<String> listener);

    /** Stops listening and gives up the decision; announcements still queued are sent first. */
    @Override
    void close();
}
