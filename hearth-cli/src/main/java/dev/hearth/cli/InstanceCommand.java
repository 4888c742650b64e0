// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.Instances;
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

    /** The instances of this host, on the runtimes {@code host} builds for them ({@link HostRuntimes#instances}). */
    Instances open(HostRuntimes host) throws java.io.IOException {
        return host.instances(settings());
    }
}
