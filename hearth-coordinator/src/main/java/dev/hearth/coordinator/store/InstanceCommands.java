// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.protocol.InstanceResult;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Instance commands handed between coordinators that share one database: the coordinator that took a command for a
 * node connected elsewhere {@link #record}s it; the node's coordinator {@link #claim}s it, relays it and
 * {@link #finish}es it with the node's answer; the first reads the answer back. Every change is a conditional update,
 * so of two coordinators racing (a claim against a deadline) exactly one wins. Each record and finish is announced to
 * the other coordinators after its commit ({@code NOTIFY hearth_instance_commands} on PostgreSQL), and heard through
 * {@link #watch}. On a store no other coordinator shares (SQLite) the table works the same but nobody uses it:
 * {@link #shared()} is false. Thread-safe.
 */
public interface InstanceCommands {

    /** Whether other coordinators may share this store (PostgreSQL), so a node may be connected to another one. */
    boolean shared();

    /**
     * Records a new {@link InstanceCommand.State#PENDING} command and announces it.
     *
     * @throws IllegalArgumentException when it is not pending, or is a create (its secrets never enter the database)
     * @throws IllegalStateException when a command with its request id exists
     */
    void record(InstanceCommand command);

    /** The pending commands recorded at or after {@code since}, oldest first: the ones still to claim. */
    List<InstanceCommand> pending(Instant since);

    /**
     * Claims a pending command for sending to its node: it becomes {@link InstanceCommand.State#SENT}.
     *
     * @return false when it is not pending any more (another coordinator claimed it, or it failed its deadline)
     */
    boolean claim(String requestId);

    /**
     * Ends an open command (pending or sent) with {@code result}: DONE when it is ok, else FAILED; announced.
     *
     * @return false when it had ended already (or does not exist): the first result wins
     */
    boolean finish(String requestId, InstanceResult result);

    /**
     * Ends a command with {@code result} only while nobody has claimed it: a pickup deadline that lost no race.
     *
     * @return false when it was claimed, had ended or does not exist
     */
    boolean abandon(String requestId, InstanceResult result);

    /** The command with this id. */
    Optional<InstanceCommand> command(String requestId);

    /** The commands with these ids that exist, in no particular order, in one query. */
    List<InstanceCommand> commands(Collection<String> requestIds);

    /** Deletes one command (a log read once its reader has the log); false when there was none. */
    boolean remove(String requestId);

    /**
     * Deletes the commands that ended before {@code endedBefore}, and any recorded before {@code recordedBefore}
     * whatever their state (their coordinators went away).
     *
     * @return how many were deleted
     */
    int prune(Instant endedBefore, Instant recordedBefore);

    /**
     * Tells {@code listener} the request id of each command another coordinator recorded or finished, a moment after
     * its commit, on the store's listening thread (cheap work only), and {@code null} when announcements may have
     * been missed (read everything again). Never called on a store no other coordinator shares.
     */
    void watch(java.util.function.Consumer<String> listener);
}
