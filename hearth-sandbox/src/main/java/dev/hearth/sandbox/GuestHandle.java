// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.job.EgressAllow;
import java.util.List;
import java.util.Optional;

/**
 * Everything a {@link GuestDriver} reads to find and act on one long-lived guest, from any process: the caller (the
 * agent's instances) keeps it in its own state and hands it over on every call. A value: it holds no secret.
 *
 * @param id the guest's id (an instance id), unique under the driver's state root; names its host folder
 *     ({@code FC_ROOT/ID} for microVMs) and its NIC
 * @param name the guest's name on its engine (the container's name)
 * @param address the guest's address on Hearth's bridge, chosen by the caller's allocator (microVMs); empty where
 *     the engine assigns its own (Docker)
 * @param vcpus virtual CPUs
 * @param memoryMib memory in MiB
 * @param diskSize the guest disk's size as the user gave it ({@code --disk-size}, "4G"), read by microVM drivers
 * @param allow the egress allowlist; empty: the public internet
 */
public record GuestHandle(String id, String name, Optional<String> address, int vcpus, int memoryMib,
        String diskSize, List<EgressAllow> allow) {

    public GuestHandle {
        allow = List.copyOf(allow);
    }
}
