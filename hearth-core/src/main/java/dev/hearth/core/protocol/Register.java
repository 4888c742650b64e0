// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Sent first on every connection. A Hypernode v2.0 agent sends only {@code token} and {@code hostInfo}; a Hearth
 * agent adds its protocol, its Ed25519 public key with a signature over the coordinator's hello nonce, its capacity,
 * and the leases it still holds (so a reconnecting node learns at once which of its jobs were taken from it).
 *
 * @param token the node token
 * @param hostInfo the host's facts
 * @param protocol {@link Protocol#HEARTH_V1}, or null for a v2.0 agent
 * @param nodeKey base64 X.509 Ed25519 public key (Hearth)
 * @param signature base64 Ed25519 signature of {@link Protocol#registrationChallenge(String)} (Hearth)
 * @param capacity what the node offers to jobs (Hearth)
 * @param held leases of jobs still running or with results unsent on the node (Hearth; left out when none)
 * @param instances the node's instances (Hearth; null from an agent without instance support)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Register(
        String token,
        HostInfo hostInfo,
        String protocol,
        String nodeKey,
        String signature,
        Capacity capacity,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<LeaseRef> held,
        List<InstanceReport> instances) implements AgentMessage {

    public Register {
        held = held == null ? List.of() : List.copyOf(held);
        instances = instances == null ? null : List.copyOf(instances);
    }

    /** A register without an instance list (v2.0 agents, and agents that run no instances). */
    public Register(String token, HostInfo hostInfo, String protocol, String nodeKey, String signature,
            Capacity capacity, List<LeaseRef> held) {
        this(token, hostInfo, protocol, nodeKey, signature, capacity, held, null);
    }

    /** Whether this agent speaks Hearth's protocol rather than Hypernode v2.0. */
    public boolean hearth() {
        return Protocol.HEARTH_V1.equals(protocol);
    }
}
