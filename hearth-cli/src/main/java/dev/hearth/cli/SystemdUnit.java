// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit of one Hearth service: the agent (which supervises every instance on its host, so fireclaw's unit
 * per VM and per proxy is not needed) or the coordinator. {@code hearth agent|coordinator install-systemd} write
 * them and {@code scripts/release} ships the same text in the tarball. Immutable.
 *
 * <p>The agent runs as root in the host's mount namespace: it loop-mounts each job's {@code /job} for Docker to bind
 * (a private mount namespace would hide those mounts from dockerd), opens {@code /dev/kvm} and {@code /dev/net/tun},
 * sets up bridges, TAP devices and iptables rules, and starts QEMU as {@code hearth-vm}. So its hardening is what
 * needs neither a mount namespace nor a device policy. Its instance VMs run in transient scopes of their own under
 * {@code hearth-vms.slice} ({@code dev.hearth.sandbox.vm.ServiceScope}) and its Docker instances in dockerd's
 * cgroup, so stopping the agent ({@code KillMode=mixed}: SIGTERM to the agent, then SIGKILL to whatever is left in
 * its own cgroup) ends only the agent and its job helpers. The coordinator needs no privilege at all and gets a
 * dynamic user and the whole sandbox. {@code docs/operations.md} explains each option.
 *
 * @param role which service
 * @param command the service's command line, the launcher first
 * @param environment {@code Environment=} lines
 */
record SystemdUnit(Role role, List<String> command, Map<String, String> environment) {

    /** Which service a unit runs. */
    enum Role {
        AGENT, COORDINATOR
    }

    /** The agent service's HEARTH_HOME when the installing shell sets none (images, instances, workspaces). */
    static final String SERVICE_HOME = "/var/lib/hearth";

    /** The slice of every instance VM's scope: operators give it limits of its own (CPUQuota=, MemoryMax=). */
    static final String VM_SLICE = "hearth-vms.slice";

    SystemdUnit {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    /** The unit file's text. */
    String text() {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by 'hearth " + role.name().toLowerCase(java.util.Locale.ROOT)
                + " install-systemd'. Hardening explained in docs/operations.md.");
        lines.add("[Unit]");
        lines.addAll(switch (role) {
            case AGENT -> List.of(
                    "Description=Hearth agent: jobs and supervised instances on this host",
                    "Documentation=man:hearth-agent(1)",
                    // Wants, not Requires: an engine elsewhere (DOCKER_HOST) or under another unit name must not
                    // keep the agent from starting, nor a restart of dockerd stop it
                    "Wants=network-online.target docker.service",
                    "After=network-online.target docker.service");
            case COORDINATOR -> List.of(
                    "Description=Hearth coordinator: job API, agents' WebSocket, scheduler and store",
                    "Documentation=man:hearth-coordinator(1)",
                    "Wants=network-online.target",
                    "After=network-online.target");
        });
        lines.add("");
        lines.add("[Service]");
        lines.add("Type=simple");
        environment.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> lines.add("Environment=" + quoted(specifiers(e.getKey() + "=" + e.getValue()))));
        // optional ('-'): variables such as DOCKER_HOST, HN_* or HEARTH_COORDINATOR_OPTS, kept out of the unit
        lines.add("EnvironmentFile=-/etc/hearth/" + role.name().toLowerCase(java.util.Locale.ROOT) + ".env");
        lines.add("ExecStart=" + String.join(" ", command.stream().map(SystemdUnit::quote).toList())
                // systemd's own: the dynamic user's state folder, and the operator's flags split into words
                + (role == Role.COORDINATOR ? " --data ${STATE_DIRECTORY} $HEARTH_COORDINATOR_OPTS" : ""));
        lines.add("Restart=on-failure");
        lines.add("RestartSec=5s");
        lines.add("KillSignal=SIGTERM");
        lines.addAll(switch (role) {
            case AGENT -> List.of(
                    // SIGTERM drains the agent, SIGKILL then ends what is left of its own cgroup (job helpers);
                    // instance VMs live in their own scopes, containers in dockerd's, so they stay up.
                    "KillMode=mixed",
                    "TimeoutStopSec=90s", // the agent drains for its --drain-grace (60 s) before exiting
                    "Slice=system.slice",
                    "NoNewPrivileges=yes",
                    "LockPersonality=yes",
                    "RestrictRealtime=yes",
                    "SystemCallArchitectures=native",
                    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
                    "CapabilityBoundingSet=~CAP_SYS_BOOT CAP_SYS_TIME CAP_WAKE_ALARM CAP_SYSLOG CAP_MAC_ADMIN "
                            + "CAP_MAC_OVERRIDE CAP_LINUX_IMMUTABLE CAP_AUDIT_CONTROL CAP_BLOCK_SUSPEND",
                    "LimitNOFILE=65536");
            case COORDINATOR -> List.of(
                    "KillMode=mixed",
                    "TimeoutStopSec=30s",
                    "DynamicUser=yes",
                    "StateDirectory=hearth-coordinator",
                    "StateDirectoryMode=0700",
                    "UMask=0077",
                    "NoNewPrivileges=yes",
                    "CapabilityBoundingSet=",
                    "AmbientCapabilities=",
                    "ProtectSystem=strict",
                    "ProtectHome=yes",
                    "PrivateTmp=yes",
                    "PrivateDevices=yes",
                    "ProtectKernelTunables=yes",
                    "ProtectKernelModules=yes",
                    "ProtectKernelLogs=yes",
                    "ProtectControlGroups=yes",
                    "ProtectClock=yes",
                    "ProtectHostname=yes",
                    "RestrictNamespaces=yes",
                    "RestrictRealtime=yes",
                    "RestrictSUIDSGID=yes",
                    "LockPersonality=yes",
                    "SystemCallArchitectures=native",
                    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                    "LimitNOFILE=65536");
        });
        lines.add("");
        lines.add("[Install]");
        lines.add("WantedBy=multi-user.target");
        lines.add("");
        return String.join("\n", lines);
    }

    /**
     * The launcher a unit runs: {@code exec} when given, else the {@code bin/hearth} that started this command
     * ({@code HEARTH_LAUNCHER}, which it sets), else this Java with this jar.
     */
    static List<String> launcher(String exec, Map<String, String> env) throws java.net.URISyntaxException {
        if (exec != null && !exec.isBlank()) {
            return List.of(exec);
        }
        String launcher = env.get("HEARTH_LAUNCHER");
        if (launcher != null && !launcher.isBlank()) {
            return List.of(launcher);
        }
        return List.of(ProcessHandle.current().info().command().orElse("/usr/bin/java"), "-jar",
                java.nio.file.Path.of(SystemdUnit.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                        .toAbsolutePath().toString());
    }

    /**
     * Writes the unit to {@code output} ({@code -}: prints it) and, beside an installed agent unit, the VM slice;
     * says what to run next.
     *
     * @return the command's exit status
     */
    static int write(SystemdUnit unit, String output, picocli.CommandLine cl) throws java.io.IOException {
        if (output.equals("-")) {
            cl.getOut().print(unit.text());
            cl.getOut().flush();
            return 0;
        }
        java.nio.file.Path file = java.nio.file.Path.of(output);
        java.nio.file.Files.writeString(file, unit.text());
        String written = output;
        if (unit.role() == Role.AGENT) {
            java.nio.file.Path slice = file.resolveSibling(VM_SLICE);
            java.nio.file.Files.writeString(slice, vmSliceText());
            written += " and " + slice;
        }
        cl.getErr().println("hearth: wrote " + written + "; now run: systemctl daemon-reload && "
                + "systemctl enable --now " + file.getFileName().toString().replace(".service", ""));
        return 0;
    }

    /** The slice unit that holds every instance VM's scope, shipped beside the agent's unit. */
    static String vmSliceText() {
        return String.join("\n", List.of(
                "# Holds one transient scope per Hearth instance VM (hearth-vm-ID-*.scope), started by the agent",
                "# with systemd-run --scope, so that stopping or restarting hearth-agent leaves the VMs running.",
                "[Unit]",
                "Description=Hearth instance VMs",
                "Before=slices.target",
                "",
                "[Slice]",
                "# Limits for all instance VMs together go here, e.g. MemoryMax=80% or CPUQuota=700%.",
                ""));
    }

    /**
     * One literal word of a command line as systemd reads it: {@code %} and {@code $} doubled (no specifier or
     * variable expansion), and words with spaces, quotes or backslashes in double quotes, escaped.
     */
    static String quote(String word) {
        return quoted(specifiers(word).replace("$", "$$"));
    }

    private static String specifiers(String text) {
        return text.replace("%", "%%");
    }

    private static String quoted(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./$-]+")) {
            return word;
        }
        return "\"" + word.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
