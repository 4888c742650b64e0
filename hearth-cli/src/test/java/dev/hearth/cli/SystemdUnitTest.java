// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("systemd units of the agent and the coordinator (install-systemd, and the release's)")
class SystemdUnitTest {

    /** Options that set up a mount namespace or a device policy: they would hide the agent's loop mounts from
     *  dockerd or deny it /dev/kvm, /dev/net/tun and loop devices. */
    private static final List<String> NAMESPACING = List.of("ProtectSystem", "ProtectHome", "PrivateTmp",
            "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
            "ProtectControlGroups", "ProtectClock", "ReadOnlyPaths", "ReadWritePaths", "InaccessiblePaths",
            "DeviceAllow", "DevicePolicy", "PrivateMounts", "PrivateNetwork", "RestrictNamespaces",
            "MemoryDenyWriteExecute", "DynamicUser", "User");

    @TempDir
    Path dir;
    Map<String, String> env;

    @BeforeEach
    void environment() {
        env = new HashMap<>();
        env.put("HEARTH_HOME", dir.resolve("home").toString());
        env.put("PATH", System.getenv("PATH"));
    }

    @Test
    @DisplayName("the agent's unit: drains on SIGTERM, ends only its own cgroup (VMs have scopes of their own), and "
            + "no hardening that would hide its mounts from dockerd or its devices from it")
    void agent() {
        CliRun r = CliRun.of(env, "agent", "install-systemd", "--output", "-", "--config", "/etc/hearth/agent.conf",
                "--exec", "/opt/hearth/bin/hearth");
        assertThat(r.exit()).as(r.err()).isZero();
        UnitFile unit = UnitFile.parse(r.out());
        assertThat(unit.command(Map.of())).containsExactly("/opt/hearth/bin/hearth", "agent", "--config",
                "/etc/hearth/agent.conf", "--state", dir.resolve("home/agent").toString());
        assertThat(unit.environment()).containsEntry("HEARTH_HOME", dir.resolve("home").toString());
        // the engine may be elsewhere (DOCKER_HOST) or under another unit: wanted and ordered, never required
        assertThat(unit.get("Unit.Wants")).isEqualTo("network-online.target docker.service");
        assertThat(unit.all("Unit.Requires")).isEmpty();
        assertThat(unit.get("Service.KillMode")).isEqualTo("mixed");
        assertThat(unit.get("Service.KillSignal")).isEqualTo("SIGTERM");
        assertThat(unit.get("Service.TimeoutStopSec")).isEqualTo("90s");
        assertThat(unit.get("Service.Restart")).isEqualTo("on-failure");
        assertThat(unit.get("Service.NoNewPrivileges")).isEqualTo("yes");
        assertThat(unit.get("Service.RestrictAddressFamilies")).contains("AF_NETLINK").contains("AF_UNIX");
        assertThat(unit.get("Service.CapabilityBoundingSet")).startsWith("~").doesNotContain("CAP_SYS_ADMIN")
                .doesNotContain("CAP_NET_ADMIN").doesNotContain("CAP_SETUID");
        assertThat(unit.get("Service.EnvironmentFile")).isEqualTo("-/etc/hearth/agent.env");
        for (String option : NAMESPACING) {
            assertThat(unit.all("Service." + option)).as(option).isEmpty();
        }
        assertThat(unit.get("Install.WantedBy")).isEqualTo("multi-user.target");
    }

    @Test
    @DisplayName("--runtimes goes into the agent's command, checked first: a runtime Hearth does not know is refused")
    void agentRuntimes() {
        CliRun r = CliRun.of(env, "agent", "install-systemd", "--output", "-", "--config", "/etc/hearth/agent.conf",
                "--exec", "/opt/hearth/bin/hearth", "--runtimes", "docker, qemu");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(UnitFile.parse(r.out()).command(Map.of())).containsSubsequence("--runtimes", "docker,qemu");
        CliRun bad = CliRun.of(env, "agent", "install-systemd", "--output", "-", "--config", "/etc/hearth/agent.conf",
                "--runtimes", "docker,lxc");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--runtimes 'docker,lxc'");
    }

    @Test
    @DisplayName("the coordinator's unit: an unprivileged dynamic user, data in systemd's state folder, the whole "
            + "sandbox, and the flags given after -- (checked first)")
    void coordinator() {
        CliRun r = CliRun.of(env, "coordinator", "install-systemd", "--output", "-", "--exec",
                "/opt/hearth/bin/hearth", "--", "--listen", "0.0.0.0:7070", "--tls");
        assertThat(r.exit()).as(r.err()).isZero();
        UnitFile unit = UnitFile.parse(r.out());
        assertThat(unit.execStart()).containsExactly("/opt/hearth/bin/hearth", "coordinator", "--listen",
                "0.0.0.0:7070", "--tls", "--data", "${STATE_DIRECTORY}", "$HEARTH_COORDINATOR_OPTS");
        assertThat(unit.command(Map.of("STATE_DIRECTORY", "/var/lib/hearth-coordinator", "HEARTH_COORDINATOR_OPTS",
                "--unsigned deny"))).endsWith("--data", "/var/lib/hearth-coordinator", "--unsigned", "deny");
        assertThat(unit.get("Service.DynamicUser")).isEqualTo("yes");
        assertThat(unit.get("Service.StateDirectory")).isEqualTo("hearth-coordinator");
        assertThat(unit.get("Service.CapabilityBoundingSet")).isEmpty();
        assertThat(unit.get("Service.ProtectSystem")).isEqualTo("strict");
        assertThat(unit.get("Service.NoNewPrivileges")).isEqualTo("yes");
        assertThat(unit.get("Service.EnvironmentFile")).isEqualTo("-/etc/hearth/coordinator.env");
        assertThat(unit.all("Unit.Requires")).isEmpty();

        CliRun typo = CliRun.of(env, "coordinator", "install-systemd", "--output", "-", "--", "--lisen", "x");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("FLAG").contains("--lisen");
        CliRun data = CliRun.of(env, "coordinator", "install-systemd", "--output", "-", "--", "--data", "/tmp/x");
        assertThat(data.exit()).isEqualTo(2);
        assertThat(data.err()).contains("--data").contains("/var/lib/hearth-coordinator");
    }

    @Test
    @DisplayName("written to a folder, the agent's unit comes with hearth-vms.slice; the coordinator's alone")
    void files() throws Exception {
        Path units = Files.createDirectories(dir.resolve("units"));
        assertThat(CliRun.of(env, "agent", "install-systemd", "--output", units.resolve("hearth-agent.service")
                .toString(), "--token-file", "/etc/hearth/node.token").exit()).isZero();
        assertThat(CliRun.of(env, "coordinator", "install-systemd", "--output",
                units.resolve("hearth-coordinator.service").toString()).exit()).isZero();
        try (var listed = Files.list(units)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "hearth-agent.service", "hearth-coordinator.service", "hearth-vms.slice");
        }
        assertThat(Files.readString(units.resolve("hearth-vms.slice"))).contains("[Slice]");
        // without --exec: this Java and this jar (or the launcher that ran it)
        assertThat(UnitFile.read(units.resolve("hearth-agent.service")).command(Map.of()).get(0)).isNotBlank();
    }

    @Test
    @DisplayName("with no HEARTH_HOME, the agent's unit keeps its state in /var/lib/hearth, not the caller's home")
    void serviceHome() {
        env.remove("HEARTH_HOME");
        CliRun r = CliRun.of(env, "agent", "install-systemd", "--output", "-", "--config", "/etc/hearth/agent.conf",
                "--exec", "/opt/hearth/bin/hearth");
        assertThat(r.exit()).as(r.err()).isZero();
        UnitFile unit = UnitFile.parse(r.out());
        assertThat(unit.environment()).containsEntry("HEARTH_HOME", "/var/lib/hearth");
        assertThat(unit.command(Map.of())).endsWith("--state", "/var/lib/hearth/agent");
    }

    @Test
    @DisplayName("the agent needs its token from somewhere: neither --token-file nor --config is refused")
    void noToken() {
        CliRun r = CliRun.of(env, "agent", "install-systemd", "--output", "-");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--token-file").contains("--config");
    }

    @Test
    @DisplayName("words reach the service as written: spaces, quotes, backslashes, % and $ are not expanded")
    void quoting() {
        List<String> command = List.of("/opt/my hearth/bin/hearth", "agent", "--token-file", "/etc/50%/a\"b\\c",
                "--state", "/srv/$HOME/x");
        UnitFile unit = UnitFile.parse(new SystemdUnit(SystemdUnit.Role.AGENT, command,
                Map.of("BASE_IMAGES_DIR", "/srv/100% images")).text());
        assertThat(unit.command(Map.of("HOME", "/root"))).isEqualTo(command);
        assertThat(unit.environment()).containsEntry("BASE_IMAGES_DIR", "/srv/100% images");
    }
}
