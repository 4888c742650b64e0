// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.instances.DockerGuests;
import dev.hearth.agent.instances.FirecrackerGuests;
import dev.hearth.agent.instances.GuestRuntime;
import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.Instances;
import dev.hearth.agent.instances.QemuGuests;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.firecracker.FirecrackerSettings;
import dev.hearth.sandbox.firecracker.FirecrackerVmm;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code hearth instance}: fireclaw's commands for long-running OpenClaw gateways. The commands drive the instances
 * directly (Docker and the state folder under STATE_ROOT), like {@code hearth run} drives jobs, so each shows its
 * own progress and errors; a supervisor ({@code hearth agent} or {@code hearth instance supervise}) keeps the
 * proxies, restarts and health checks that must outlive a command.
 */
@Command(name = "instance", mixinStandardHelpOptions = true,
        description = {"Long-running OpenClaw gateways, one per sandbox, reachable on a loopback port.",
            "Environment: STATE_ROOT (default $HEARTH_HOME/instances), FC_ROOT, BASE_PORT (18890), BRIDGE_NAME, "
                    + "BRIDGE_ADDR, SUBNET_CIDR, SSH_KEY_PATH, BASE_IMAGES_DIR (fireclaw's variables)."},
        subcommands = {InstanceCreateCommand.class, InstanceLifecycle.ListCmd.class, InstanceLifecycle.Status.class,
            InstanceLifecycle.Start.class, InstanceLifecycle.Stop.class, InstanceLifecycle.Pause.class,
            InstanceLifecycle.Resume.class, InstanceLifecycle.Restart.class,
            InstanceLifecycle.Logs.class, InstanceLifecycle.Shell.class, InstanceLifecycle.Token.class,
            InstanceLifecycle.Destroy.class, InstanceLifecycle.Provision.class, InstanceLifecycle.Supervise.class})
final class InstanceCommand {

    @ParentCommand
    HearthCommand parent;

    /** The host settings from fireclaw's variables in this command's environment. */
    InstanceSettings settings() {
        return InstanceSettings.from(parent.environment(), HearthPaths.home(parent.environment()));
    }

    /**
     * The instances of this host on the runtimes this build has: Docker, and QEMU microVMs on Hearth's bridge
     * (BRIDGE_NAME, BRIDGE_ADDR, SUBNET_CIDR; one allocation file per bridge, shared with the VMs of jobs) with
     * guest images from BASE_IMAGES_DIR and VM folders under FC_ROOT, booted by QEMU or Firecracker (HEARTH_FIRECRACKER
     * names its binary; it is refused at create where it cannot run).
     */
    Instances open(DockerDriver docker) throws java.io.IOException {
        InstanceSettings settings = settings();
        Map<String, String> env = parent.environment();
        Map<String, String> netEnv = new java.util.HashMap<>(env);
        netEnv.put("BRIDGE_NAME", settings.bridgeName());
        netEnv.put("BRIDGE_ADDR", settings.bridgeAddr());
        netEnv.put("SUBNET_CIDR", settings.subnetCidr());
        HostNetwork network = HostNetwork.create(NetworkConfig.fromEnvironment(netEnv));
        ContentCache images = ContentCache.fromEnvironment(env);
        Map<InstanceRuntime, GuestRuntime> runtimes = Map.of(
                InstanceRuntime.DOCKER, new DockerGuests(docker, settings.stateRoot()),
                InstanceRuntime.QEMU, new QemuGuests(QemuVmm.fromEnvironment(env), network, images, settings.fcRoot()),
                InstanceRuntime.FIRECRACKER, new FirecrackerGuests(FirecrackerVmm.create(
                        FirecrackerSettings.fromEnvironment(env)), network, images, settings.fcRoot()));
        return Instances.openClaw(settings, runtimes);
    }
}
