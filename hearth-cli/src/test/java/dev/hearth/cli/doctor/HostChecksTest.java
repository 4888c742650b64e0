// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.cli.doctor.HostCheck.Status;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth doctor's checks: real ones on this host, and each made to fail by pointing it at a broken place")
class HostChecksTest {

    @TempDir
    Path dir;

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("HEARTH_QEMU");
        env.remove("HEARTH_FIRECRACKER");
        env.remove("HEARTH_QEMU_USER");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private Host host(boolean microvm, String... env) {
        return Host.of(env(env), Map.of("data", dir), 1, Map.of(), microvm);
    }

    private static HostCheck named(List<HostCheck> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    @DisplayName("on this host: Java, cgroups, the network tools, QEMU and free disk pass, each saying what it found")
    void realHost() {
        List<HostCheck> checks = HostChecks.run(host(false), () -> "27.0-test");
        assertThat(named(checks, "java").status()).isEqualTo(Status.OK);
        assertThat(named(checks, "java").detail()).contains("Java " + Runtime.version().feature());
        assertThat(named(checks, "docker").detail()).isEqualTo("Docker engine 27.0-test");
        assertThat(named(checks, "cgroup").detail()).startsWith("cgroup v");
        assertThat(named(checks, "iptables").status()).isEqualTo(Status.OK);
        assertThat(named(checks, "bridge").status()).isEqualTo(Status.OK);
        assertThat(named(checks, "mkfs.ext4").status()).isEqualTo(Status.OK);
        // the test machine has QEMU (scripts/setup-host --all); its version line is QEMU's own
        assertThat(named(checks, "qemu").status()).isEqualTo(Status.OK);
        assertThat(named(checks, "qemu").detail()).startsWith("QEMU emulator version");
        assertThat(named(checks, "disk:data").status()).isEqualTo(Status.OK);
        assertThat(named(checks, "disk:data").detail()).contains("GiB free for " + dir);
        assertThat(checks).allSatisfy(c -> assertThat(c.fix().isEmpty()).as(c.name() + " has a fix iff not ok")
                .isEqualTo(c.status() == Status.OK));
    }

    @Test
    @DisplayName("an engine that does not answer fails, with its error and how to start it")
    void engineDown() {
        HostCheck c = HostChecks.docker(() -> {
            throw new java.io.IOException("cannot reach the Docker engine at unix:///nowhere.sock");
        });
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).contains("unix:///nowhere.sock");
        assertThat(c.fix()).contains("systemctl start docker").contains("DOCKER_HOST");
    }

    @Test
    @DisplayName("Java older than 21 fails and names the ways to a newer one")
    void oldJava() {
        Host old = new Host(env(), 17, Path.of("/sys/fs/cgroup"), Path.of("/dev/kvm"), Path.of("/etc/passwd"),
                Map.of(), 1, Map.of(), false);
        HostCheck c = HostChecks.java(old);
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.fix()).contains("Java 21 or newer").contains("runtime/");
    }

    @Test
    @DisplayName("cgroups: v2 with cpu, memory and pids passes; v2 lacking one, or v1, warns; none fails")
    void cgroups() throws Exception {
        Path v2 = Files.createDirectories(dir.resolve("v2"));
        Files.writeString(v2.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        assertThat(HostChecks.cgroup(at(v2, dir.resolve("kvm"))).status()).isEqualTo(Status.OK);
        Files.writeString(v2.resolve("cgroup.controllers"), "cpuset cpu io\n");
        HostCheck lacking = HostChecks.cgroup(at(v2, dir.resolve("kvm")));
        assertThat(lacking.status()).isEqualTo(Status.WARN);
        assertThat(lacking.detail()).contains("memory, pids");
        Path v1 = Files.createDirectories(dir.resolve("v1"));
        assertThat(HostChecks.cgroup(at(v1, dir.resolve("kvm"))).fix()).contains("systemd.unified_cgroup_hierarchy=1");
        assertThat(HostChecks.cgroup(at(dir.resolve("none"), dir.resolve("kvm"))).status()).isEqualTo(Status.FAIL);
    }

    private Host at(Path cgroupRoot, Path kvm) {
        return new Host(env(), 25, cgroupRoot, kvm, dir.resolve("passwd"), Map.of(), 1, Map.of(), true);
    }

    @Test
    @DisplayName("KVM: a missing device warns (TCG still works); a device this user may open passes")
    void kvm() throws Exception {
        HostCheck missing = HostChecks.kvm(at(dir, dir.resolve("no-kvm")));
        assertThat(missing.status()).isEqualTo(Status.WARN);
        assertThat(missing.detail()).contains("TCG");
        assertThat(missing.fix()).contains("modprobe kvm_intel");
        Path device = Files.writeString(dir.resolve("kvm"), "");
        assertThat(HostChecks.kvm(at(dir, device)).status()).isEqualTo(Status.OK);
    }

    @Test
    @DisplayName("QEMU: a missing binary fails with --microvm and only warns without; either way it says how to get it")
    void qemuMissing() {
        HostCheck required = HostChecks.qemu(host(true, "HEARTH_QEMU", dir.resolve("qemu").toString()));
        assertThat(required.status()).isEqualTo(Status.FAIL);
        assertThat(required.fix()).contains("qemu-system-x86").contains("--microvm");
        HostCheck optional = HostChecks.qemu(host(false, "HEARTH_QEMU", dir.resolve("qemu").toString()));
        assertThat(optional.status()).isEqualTo(Status.WARN);
        assertThat(optional.detail()).contains("needed only for --runtime qemu");
    }

    @Test
    @DisplayName("QEMU: a binary that runs but fails --version is reported as not answering")
    void qemuBroken() throws Exception {
        Path fake = Files.writeString(dir.resolve("qemu"), "#!/bin/sh\nexit 3\n");
        fake.toFile().setExecutable(true);
        HostCheck c = HostChecks.qemu(host(true, "HEARTH_QEMU", fake.toString()));
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.detail()).contains("did not answer");
    }

    @Test
    @DisplayName("Firecracker is optional: missing warns; a binary that answers --version passes with its version")
    void firecracker() throws Exception {
        HostCheck missing = HostChecks.firecracker(host(true, "HEARTH_FIRECRACKER", dir.resolve("fc").toString()));
        assertThat(missing.status()).isEqualTo(Status.WARN);
        assertThat(missing.fix()).contains("HEARTH_FIRECRACKER");
        Path fake = Files.writeString(dir.resolve("firecracker"), "#!/bin/sh\necho Firecracker v1.7.0\n");
        fake.toFile().setExecutable(true);
        HostCheck found = HostChecks.firecracker(host(true, "PATH", dir.toString()));
        assertThat(found.status()).isEqualTo(Status.OK);
        assertThat(found.detail()).isEqualTo("Firecracker v1.7.0 at " + fake);
    }

    @Test
    @DisplayName("the hearth-vm user: found in the user database passes; missing fails with --microvm, else warns")
    void vmUser() throws Exception {
        Files.writeString(dir.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        HostCheck missing = HostChecks.vmUser(at(dir, dir));
        assertThat(missing.status()).isEqualTo(Status.FAIL);
        assertThat(missing.fix()).contains("setup-host --microvm").contains("useradd --system");
        Files.writeString(dir.resolve("passwd"), "hearth-vm:x:999:999::/nonexistent:/usr/sbin/nologin\n");
        assertThat(HostChecks.vmUser(at(dir, dir)).status()).isEqualTo(Status.OK);
    }

    @Test
    @DisplayName("disk: a folder on a file system with less free space than the floor fails; an absent one is "
            + "judged by the folder above it")
    void disk() {
        Host floorTooHigh = new Host(env(), 25, dir, dir, dir, Map.of(), Long.MAX_VALUE, Map.of(), false);
        HostCheck full = HostChecks.disk(floorTooHigh, "images", dir.resolve("a/b"));
        assertThat(full.status()).isEqualTo(Status.FAIL);
        assertThat(full.detail()).contains("free for " + dir.resolve("a/b")).contains("created on first use");
        assertThat(full.fix()).contains("BASE_IMAGES_DIR");
        assertThat(HostChecks.disk(host(false), "images", dir.resolve("a/b")).status()).isEqualTo(Status.OK);
    }

    @Test
    @DisplayName("ports: a port something listens on fails and says how to find it; a free one passes")
    void ports() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            HostCheck c = HostChecks.port("coordinator", new InetSocketAddress("127.0.0.1", taken.getLocalPort()));
            assertThat(c.status()).isEqualTo(Status.FAIL);
            assertThat(c.fix()).contains("ss -ltnp sport = :" + taken.getLocalPort()).contains("--listen");
        }
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        assertThat(HostChecks.port("agent", new InetSocketAddress("127.0.0.1", free)).status()).isEqualTo(Status.OK);
    }

    @Test
    @DisplayName("a missing required tool fails, an optional one warns; the JSON form says ok only without failures")
    void toolsAndJson() {
        List<HostCheck> checks = HostChecks.run(host(false, "PATH", dir.toString()), () -> "27.0");
        assertThat(named(checks, "iptables").status()).isEqualTo(Status.FAIL);
        assertThat(named(checks, "iptables").fix()).contains("apt-get install iptables");
        assertThat(named(checks, "mmdebstrap").status()).isEqualTo(Status.WARN);
        assertThat(HostChecks.passed(checks)).isFalse();
        assertThat(HostChecks.asJson(checks)).containsEntry("ok", false);
    }
}
