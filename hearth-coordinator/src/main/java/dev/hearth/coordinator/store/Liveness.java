// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;
import java.time.Instant;

/**
 * One node's latest heartbeat, as {@link Store#heartbeats} writes it in a batch.
 *
 * @param nodeId the node
 * @param at when the heartbeat arrived
 * @param state what it said: {@link NodeState#ONLINE} or {@link NodeState#DRAINING}
 */
public record Liveness(String nodeId, Instant at, NodeState state) {

    /** Checks the fields: the state is one a heartbeat can report. */
    public Liveness {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(at, "at");
        if (state != NodeState.ONLINE && state != NodeState.DRAINING) {
            throw new IllegalArgumentException("a heartbeat reports ONLINE or DRAINING, got " + state
                    + " for node " + nodeId);
        }
    }
}
