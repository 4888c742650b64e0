// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the agents' WebSocket connections, in total and by remote address, and admits a new one only under both
 * caps of {@link TransportLimits}. Every admitted connection is {@link #release released} exactly once when it ends.
 * Thread-safe.
 */
final class ConnectionGate {

    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<String, Integer> byAddress = new ConcurrentHashMap<>();
    private int total;

    ConnectionGate(TransportLimits limits) {
        this.maxTotal = limits.maxConnections();
        this.maxPerAddress = limits.maxConnectionsPerAddress();
    }

    /** Admits a connection from {@code address}, or says why not (the close reason the peer is sent). */
    synchronized Optional<String> admit(String address) {
        if (total >= maxTotal) {
            return Optional.of("too many connections (" + maxTotal + " open); try again later");
        }
        int from = byAddress.getOrDefault(address, 0);
        if (from >= maxPerAddress) {
            return Optional.of("too many connections from your address (" + maxPerAddress + " open)");
        }
        total++;
        byAddress.put(address, from + 1);
        return Optional.empty();
    }

    /** Frees the place of an admitted connection from {@code address}. */
    synchronized void release(String address) {
        total--;
        byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Connections open now. */
    synchronized int open() {
        return total;
    }
}
