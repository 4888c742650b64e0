// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("scripts/setup-host --dry-run plans, per distribution, only what the chosen profile needs")
class SetupHostPlanTest {

    private static final Path SCRIPT = Path.of("..", "scripts", "setup-host");
    private static final List<String> JOBS = List.of("docker.io", "busybox-static", "mmdebstrap", "iproute2",
            "iptables", "e2fsprogs");
    private static final List<String> MICROVM = List.of("qemu-system-x86", "bc", "bison", "flex", "libelf-dev",
            "libssl-dev", "make", "gcc", "cpio", "kmod", "ebtables");

    private record Plan(int exit, String out, String err) {
        List<String> packages() {
            return out.lines().filter(l -> l.startsWith("packages: ")).findFirst()
                    .map(l -> List.of(l.substring("packages: ".length()).split(" "))).orElse(List.of());
        }

        String line(String prefix) {
            return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
        }
    }

    private static Plan plan(String osRelease, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), "--dry-run", "--os-release",
                Path.of("src", "test", "resources", "os-release", osRelease).toString()));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Plan(p.exitValue(), out, err);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"debian-12", "debian-13", "ubuntu-22.04", "ubuntu-24.04"})
    @DisplayName("by default: the Docker engine and the jobs' tools, no QEMU, no kernel toolchain, no hearth-vm user")
    void jobsOnly(String release) throws Exception {
        Plan p = plan(release);
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.line("profile: ")).isEqualTo("profile: jobs");
        assertThat(p.packages()).containsAll(JOBS).doesNotContainAnyElementsOf(MICROVM)
                .doesNotContain("linux-source-6.1", "python3-websockets");
        assertThat(p.out()).doesNotContain("hearth-vm");
        assertThat(p.packages().contains("debian-archive-keyring")).as("Ubuntu needs Debian's keys for mmdebstrap")
                .isEqualTo(release.startsWith("ubuntu"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"debian-12", "debian-13", "ubuntu-22.04", "ubuntu-24.04"})
    @DisplayName("--microvm adds QEMU, the kernel toolchain and the hearth-vm user; --all adds the tests' client too")
    void microvmAndAll(String release) throws Exception {
        Plan vm = plan(release, "--microvm");
        assertThat(vm.line("profile: ")).isEqualTo("profile: jobs+microvm");
        assertThat(vm.packages()).containsAll(JOBS).containsAll(MICROVM).doesNotContain("python3-websockets");
        assertThat(vm.out()).contains("user: hearth-vm");
        Plan all = plan(release, "--all");
        assertThat(all.line("profile: ")).isEqualTo("profile: jobs+microvm+tests");
        assertThat(all.packages()).containsAll(vm.packages()).contains("python3-websockets", "debootstrap",
                "postgresql", "python3-cryptography", "python3-setuptools", "python3-wheel");
        // Ubuntu's archive has Chromium only as a snap's stub: never asked of apt there, taken from snap instead
        if (release.startsWith("ubuntu")) {
            assertThat(all.packages()).doesNotContain("chromium", "chromium-driver", "chromium-browser");
            assertThat(all.out()).contains("note: " + all.line("distribution: ").replaceAll("distribution: (.*) \\(.*", "$1")
                    + " has Chromium only as a snap").contains("DashboardE2eTest skips");
        } else {
            assertThat(all.packages()).contains("chromium", "chromium-driver");
            assertThat(all.out()).doesNotContain("snap");
        }
        assertThat(vm.out()).doesNotContain("snap");
        assertThat(plan(release, "--microvm", "--all").packages()).isEqualTo(all.packages());
        // the guest kernel's source (Hearth's config is for 6.1) is Debian 12's package; elsewhere the plan says so
        if (release.equals("debian-12")) {
            assertThat(vm.packages()).contains("linux-source-6.1");
        } else {
            assertThat(vm.packages()).doesNotContain("linux-source-6.1");
            assertThat(vm.line("note: ")).contains("no linux-source-6.1").contains("--kernel-source");
        }
    }

    @Test
    @DisplayName("Java: Debian 12 has no JDK 21, so Temurin or the release's runtime/; the others take their openjdk")
    void java() throws Exception {
        assertThat(plan("debian-12").line("java: ")).contains("temurin-25-jdk or temurin-21-jdk").contains("runtime")
                .doesNotContain("openjdk");
        assertThat(plan("debian-12", "--all").line("java: ")).startsWith("java: a jdk of 21+")
                .doesNotContain("runtime)");
        // the plan also says which Java this host would use (this machine has a JDK; the release's runtime/ is
        // checked on a Debian 12 without one by SystemdE2eTest)
        assertThat(plan("debian-12").line("java found: ")).matches("java found: (/\\S+|none)");
        for (String release : List.of("debian-13", "ubuntu-22.04", "ubuntu-24.04")) {
            assertThat(plan(release).line("java: ")).as(release).contains("openjdk-21-jdk-headless");
        }
    }

    @Test
    @DisplayName("another distribution, or an unknown flag, is refused with what to do instead")
    void refusals() throws Exception {
        Plan fedora = plan("fedora-41");
        assertThat(fedora.exit()).isEqualTo(1);
        assertThat(fedora.err()).contains("is not Debian or Ubuntu").contains("install by hand");
        Plan bogus = plan("debian-12", "--bogus");
        assertThat(bogus.exit()).isEqualTo(1);
        assertThat(bogus.err()).contains("unknown argument '--bogus'").contains("--microvm, --all");
        // another distribution's file plans only: it never installs that distribution's packages here
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), "--os-release",
                Path.of("src", "test", "resources", "os-release", "ubuntu-24.04").toString()).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(err).contains("--os-release is for --dry-run only");
    }
}
