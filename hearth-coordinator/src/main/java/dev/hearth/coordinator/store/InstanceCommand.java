// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import dev.hearth.core.protocol.InstanceResult;
import java.time.Instant;
import java.util.Objects;

/**
 * An instance command handed from the coordinator that took it to the coordinator its node is connected to, through
 * the database ({@link InstanceCommands}). Holds no secret: a create is never handed over.
 *
 * @param requestId the request id, the same on both coordinators and in the message to the node
 * @param nodeId the node
 * @param instanceId the instance
 * @param action a lifecycle action or {@code logs}
 * @param owner who sent it, {@code role:name}
 * @param state where it stands
 * @param result the node's answer (or the deadline's), once {@link State#ended}; null before
 * @param createdAt when it was recorded
 * @param finishedAt when it ended; null before
 */
public record InstanceCommand(String requestId, String nodeId, String instanceId, String action, String owner,
        State state, InstanceResult result, Instant createdAt, Instant finishedAt) {

    /** Where a handed-over command stands. */
    public enum State {
        /** Recorded, not yet claimed by the node's coordinator. */
        PENDING,
        /** Claimed by the node's coordinator and sent to the node. */
        SENT,
        /** The node did it. */
        DONE,
        /** The node refused it, or nobody answered in time. */
        FAILED;

        /** Whether the command has its result. */
        public boolean ended() {
            return this == DONE || this == FAILED;
        }
    }

    /** Checks the fields: an ended command has its result and end time, an open one neither. */
    public InstanceCommand {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        if (state.ended() != (result != null) || state.ended() != (finishedAt != null)) {
            throw new IllegalArgumentException("instance command " + requestId + " is " + state + " with result "
                    + (result != null) + " and end time " + finishedAt + ": an ended command has both, an open one "
                    + "neither");
        }
    }

    /** A new command, {@link State#PENDING}, recorded at {@code at}. */
    public static InstanceCommand pending(String requestId, String nodeId, String instanceId, String action,
            String owner, Instant at) {
        return new InstanceCommand(requestId, nodeId, instanceId, action, owner, State.PENDING, null, at, null);
    }
}
