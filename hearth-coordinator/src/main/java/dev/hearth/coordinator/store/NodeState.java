// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** Where a registered node stands, as the coordinator sees it. */
public enum NodeState {
    /** Connected and heartbeating within its TTL: may be given work. */
    ONLINE,
    /** Missed its heartbeat TTL: its leases are revoked and its jobs go back to the queue. */
    LOST,
    /** Connected but finishing its running jobs and taking no new ones. */
    DRAINING,
    /** Disconnected on purpose, or drained and gone. */
    OFFLINE
}
