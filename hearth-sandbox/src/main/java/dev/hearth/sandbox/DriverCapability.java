// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** Optional abilities a {@link SandboxDriver} may have on a given host. */
public enum DriverCapability {
    /** Hands explicit GPU devices to a sandbox. */
    GPU,
    /** Gives a sandbox outbound network through NAT. */
    NETWORK_NAT,
    /** Publishes a guest port on a loopback port of the host. */
    PUBLISHED_PORTS,
    /** Runs extra commands inside a running sandbox. */
    EXEC,
    /** Bind-mounts host folders into a sandbox. */
    MOUNTS,
    /** Snapshots and restores a running sandbox. */
    SNAPSHOTS
}
