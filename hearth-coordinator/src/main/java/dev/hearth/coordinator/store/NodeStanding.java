// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What the store counts of one node for its reputation (the formula is {@code dev.hearth.coordinator.ledger.Reputation}).
 *
 * @param nodeId the node
 * @param results results of it that were accepted (any status)
 * @param verified results whose verdict passed
 * @param failedVerification results the oracle refused for any check but {@code completion} (an honest failed run
 *     is not held against the node)
 * @param timedOut results with status timeout
 * @param lost leases taken from it because it went silent
 * @param onlineMillis time it was heard from (heartbeat gaps up to 60 s)
 * @param registeredAt when it first registered
 * @param stakeMicros its stake account's balance
 */
public record NodeStanding(String nodeId, long results, long verified, long failedVerification, long timedOut,
        long lost, long onlineMillis, Instant registeredAt, long stakeMicros) {

    /** Checks the required fields. */
    public NodeStanding {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(registeredAt, "registeredAt");
    }
}
