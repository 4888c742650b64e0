// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * A guest port made reachable from the host, on loopback only: never on a public interface.
 *
 * @param guestPort the port the workload listens on inside the sandbox
 * @param hostPort the host's loopback port, or 0 to let the engine pick a free one
 */
public record PublishedPort(int guestPort, int hostPort) {

    public PublishedPort {
        if (guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("guest port must be within 1..65535, got " + guestPort);
        }
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port must be within 0..65535, got " + hostPort);
        }
    }
}
