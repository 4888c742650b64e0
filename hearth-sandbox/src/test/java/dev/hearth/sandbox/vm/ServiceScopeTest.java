// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Instance VMs in systemd scopes of their own, so that restarting the agent's service leaves them up")
class ServiceScopeTest {

    @TempDir
    Path dir;

    private static final List<String> QEMU = List.of("/usr/bin/qemu-system-x86_64", "-daemonize", "-name", "vm1");

    @Test
    @DisplayName("on a systemd host, as root: the command runs through systemd-run --scope in hearth-vms.slice, "
            + "a unit of its own per start")
    void wrapped() throws Exception {
        Path systemd = Files.createDirectories(dir.resolve("run-systemd-system"));
        ServiceScope scope = ServiceScope.detect(Map.of(), systemd, Optional.of(Path.of("/usr/bin/systemd-run")),
                true);
        List<String> argv = scope.wrap("vm1", QEMU);
        assertThat(argv.subList(0, 5)).containsExactly("/usr/bin/systemd-run", "--scope", "--quiet", "--collect",
                "--slice=hearth-vms.slice");
        assertThat(argv.get(5)).matches("--unit=hearth-vm-vm1-[0-9a-f]{8}\\.scope");
        assertThat(argv.subList(argv.indexOf("--") + 1, argv.size())).isEqualTo(QEMU);
        assertThat(scope.wrap("vm1", QEMU).get(5)).isNotEqualTo(argv.get(5));
        assertThat(scope.wrap("a.b c", QEMU).get(5)).startsWith("--unit=hearth-vm-a_b_c-");
    }

    @Test
    @DisplayName("no systemd, not root, no systemd-run, or HEARTH_VM_SCOPE=off: the command runs as given")
    void unwrapped() throws Exception {
        Path systemd = Files.createDirectories(dir.resolve("run-systemd-system"));
        Optional<Path> run = Optional.of(Path.of("/usr/bin/systemd-run"));
        assertThat(ServiceScope.detect(Map.of(), dir.resolve("absent"), run, true).wrap("vm1", QEMU)).isEqualTo(QEMU);
        assertThat(ServiceScope.detect(Map.of(), systemd, run, false).wrap("vm1", QEMU)).isEqualTo(QEMU);
        assertThat(ServiceScope.detect(Map.of(), systemd, Optional.empty(), true).wrap("vm1", QEMU)).isEqualTo(QEMU);
        assertThat(ServiceScope.detect(Map.of(ServiceScope.ENV, "off"), systemd, run, true).wrap("vm1", QEMU))
                .isEqualTo(QEMU);
        // this machine: systemd is not the init here, so nothing changes
        if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
            assertThat(ServiceScope.detect(Map.of()).wrap("vm1", QEMU)).isEqualTo(QEMU);
        }
    }
}
