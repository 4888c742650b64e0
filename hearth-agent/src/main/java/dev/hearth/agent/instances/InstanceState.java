// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.GuestHandle;
import java.time.Instant;
import java.util.List;

/**
 * The structured state file of one instance ({@code STATE_ROOT/ID/state.json}): what create allocated and chose,
 * and what the owner wants ({@link Desired}). Holds no secret (those are in {@link InstanceSecrets}).
 *
 * @param id the instance id
 * @param runtime docker, qemu or firecracker
 * @param hostPort the loopback port on the host the proxy listens on
 * @param guestIp the guest's address from the pool (microVMs), or null (Docker assigns its own)
 * @param guestName the sandbox's name on its engine (container name)
 * @param image the image the guest runs
 * @param model the default model
 * @param skills the allowed bundled skills
 * @param telegramUsers the DM allowlist
 * @param vcpus virtual CPUs
 * @param memoryMib memory in MiB
 * @param diskSize the guest disk size as given
 * @param skipBrowserInstall whether no browser is installed
 * @param minimax whether a MiniMax key was given (configures the provider)
 * @param desired what the supervisor should keep it at
 * @param createdAt when create began
 * @param allow the egress allowlist entries ({@code HOST:PORT}, as {@code --allow} takes them); empty: the public
 *     internet (an older state file without the field reads as empty)
 */
public record InstanceState(String id, InstanceRuntime runtime, int hostPort, String guestIp, String guestName,
        String image, String model, List<String> skills, List<String> telegramUsers, int vcpus, int memoryMib,
        String diskSize, boolean skipBrowserInstall, boolean minimax, Desired desired, Instant createdAt,
        List<String> allow) {

    /** What the owner wants of an instance; the supervisor acts only on RUNNING, STOPPED and PAUSED. */
    public enum Desired {
        /** Being created: the supervisor leaves it alone until create hands it over. */
        CREATING,
        /** Keep it running: restart it when it stops, keep its proxy open. */
        RUNNING,
        /** Keep it stopped: no restart, no proxy. */
        STOPPED,
        /** Paused to disk ({@link Instances#pause}): no restart, no proxy; resume goes on where it was. */
        PAUSED
    }

    public InstanceState {
        skills = List.copyOf(skills);
        telegramUsers = List.copyOf(telegramUsers);
        allow = allow == null ? List.of() : List.copyOf(allow);
    }

    /** The allowlist, parsed (it was checked when the instance was created). */
    public List<dev.hearth.core.job.EgressAllow> egressAllow() {
        return allow.stream().map(a -> dev.hearth.core.job.EgressAllow.parse("allow", a)).toList();
    }

    /**
     * What the instance's {@link dev.hearth.sandbox.GuestDriver} reads of this state: the one place the agent's
     * instance state becomes the sandbox SPI's {@link GuestHandle}.
     */
    public GuestHandle guest() {
        return new GuestHandle(id, guestName, java.util.Optional.ofNullable(guestIp), vcpus, memoryMib, diskSize,
                egressAllow());
    }

    /** The same state with another desired state. */
    public InstanceState withDesired(Desired value) {
        return new InstanceState(id, runtime, hostPort, guestIp, guestName, image, model, skills, telegramUsers, vcpus,
                memoryMib, diskSize, skipBrowserInstall, minimax, value, createdAt, allow);
    }
}
