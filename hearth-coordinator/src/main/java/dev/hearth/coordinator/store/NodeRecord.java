// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A registered node: its identity, inventory and liveness. Times are kept to the millisecond.
 *
 * @param id the node id the coordinator gave it when its token was first used
 * @param publicKey the node's identity key (Ed25519, encoded as the agent sends it)
 * @param hostname the host's name
 * @param os the operating system, e.g. {@code linux}
 * @param arch the CPU architecture, e.g. {@code amd64}
 * @param cpus logical CPUs
 * @param memoryBytes total memory in bytes
 * @param runtimes the sandbox drivers available, e.g. {@code docker}, {@code firecracker}
 * @param gpus the GPUs, in index order
 * @param agentVersion the agent's version
 * @param protocolVersion the link protocol it speaks ({@code 2.0} for a legacy Hypernode agent)
 * @param state where it stands
 * @param lastHeartbeat when its last heartbeat (or registration) arrived
 * @param registeredAt when it first registered
 */
public record NodeRecord(String id, String publicKey, String hostname, String os, String arch, int cpus,
        long memoryBytes, List<String> runtimes, List<GpuInfo> gpus, String agentVersion, String protocolVersion,
        NodeState state, Instant lastHeartbeat, Instant registeredAt) {

    /** Checks the fields and copies the lists, so a record never changes after it is made. */
    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
        Objects.requireNonNull(registeredAt, "registeredAt");
        runtimes = List.copyOf(runtimes);
        gpus = List.copyOf(gpus);
        if (cpus < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException(
                    "node " + id + ": CPUs and memory must not be negative, got " + cpus + " and " + memoryBytes);
        }
    }
}
