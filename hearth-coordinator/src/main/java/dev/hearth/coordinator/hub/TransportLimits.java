// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.time.Duration;

/**
 * How much the agents' WebSocket endpoint lets one peer hold before it proves who it is, and how long it waits on a
 * peer that does not read: the defences of docs/security.md, "WebSocket transport".
 *
 * @param unregisteredFrameBytes largest message (in characters) accepted before a connection has registered;
 *     larger ones are refused with {@code FRAME_TOO_LARGE} and the connection closed. Also the largest WebSocket
 *     frame (in bytes) Helidon reads for such a connection ({@link ConnectionFrameLimit}); a larger one is closed
 *     on (1009) from its header, before its payload is read
 * @param registrationDeadline how long a connection may stay open without registering
 * @param maxConnections connections open at once, registered or not, over all peers
 * @param maxConnectionsPerAddress connections open at once from one remote address
 * @param sendQueueBytes bytes (UTF-8) a connection's queue of unsent messages may hold; past it the connection is
 *     closed
 * @param sendQueueMessages messages a connection's queue of unsent messages may hold; past it the connection is
 *     closed
 * @param writeDeadline how long one write to a peer may block before the connection is closed
 */
public record TransportLimits(int unregisteredFrameBytes, Duration registrationDeadline, int maxConnections,
        int maxConnectionsPerAddress, long sendQueueBytes, int sendQueueMessages, Duration writeDeadline) {

    /** 64 KiB before registration, 10 s to register, 4096 connections (32 per address), 16 MiB / 4096 messages, 30 s. */
    public static final TransportLimits DEFAULTS = new TransportLimits(64 * 1024, Duration.ofSeconds(10), 4096, 32,
            16L << 20, 4096, Duration.ofSeconds(30));

    public TransportLimits {
        positive("unregistered frame bytes (--unregistered-frame-bytes)", unregisteredFrameBytes);
        positive("connection cap (--max-connections)", maxConnections);
        positive("per-address connection cap (--max-connections-per-address)", maxConnectionsPerAddress);
        positive("send queue bytes (--send-queue-bytes)", sendQueueBytes);
        positive("send queue messages (--send-queue-messages)", sendQueueMessages);
        positive("registration deadline (--registration-deadline)", registrationDeadline.toMillis());
        positive("write deadline (--write-deadline)", writeDeadline.toMillis());
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
