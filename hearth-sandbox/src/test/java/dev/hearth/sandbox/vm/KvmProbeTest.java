// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("KvmProbe: device checks, and a boot test that tells a working accelerator from a hanging one")
class KvmProbeTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("a missing device is unusable, named, with what to do")
    void missingDevice() throws Exception {
        KvmProbe.Result result = KvmProbe.probe(dir.resolve("kvm"), Optional.empty(), Duration.ofSeconds(1));
        assertThat(result.usable()).isFalse();
        assertThat(result.detail()).contains(dir.resolve("kvm") + " does not exist").contains("kvm_intel");
    }

    @Test
    @DisplayName("a regular file is not a KVM device")
    void notCharacterDevice() throws Exception {
        Path file = Files.writeString(dir.resolve("kvm"), "");
        assertThat(KvmProbe.probe(file, Optional.empty(), Duration.ofSeconds(1)).detail())
                .isEqualTo(file + " is not a character device");
    }

    @Test
    @DisplayName("a usable character device without QEMU is reported as not boot-tested")
    void withoutQemu() throws Exception {
        KvmProbe.Result result = KvmProbe.probe(Path.of("/dev/null"), Optional.empty(), Duration.ofSeconds(1));
        assertThat(result.usable()).isTrue();
        assertThat(result.detail()).contains("not boot-tested");
    }

    @Test
    @DisplayName("the probe sector boots and is seen under TCG, which always works where QEMU is installed")
    void bootTestOnTcg() throws Exception {
        Optional<Path> qemu = SearchPath.find("qemu-system-x86_64");
        assumeThat(qemu).as("qemu-system-x86_64 is not on PATH (scripts/setup-host installs it)").isPresent();
        assertThat(KvmProbe.bootProblem(qemu.get(), "tcg", Duration.ofSeconds(30))).isEmpty();
    }

    @Test
    @DisplayName("an accelerator QEMU refuses is a problem quoting QEMU's own words")
    void refusedAccelerator() throws Exception {
        Optional<Path> qemu = SearchPath.find("qemu-system-x86_64");
        assumeThat(qemu).as("qemu-system-x86_64 is not on PATH (scripts/setup-host installs it)").isPresent();
        assertThat(KvmProbe.bootProblem(qemu.get(), "no-such-accel", Duration.ofSeconds(30)))
                .hasValueSatisfying(p -> assertThat(p).contains("ended without booting the probe")
                        .contains("no-such-accel"));
    }

    @Test
    @DisplayName("a bare name is found in PATH, a path must be an executable file")
    void searchPath() {
        assertThat(SearchPath.find("sh")).hasValueSatisfying(p -> assertThat(p).isExecutable());
        assertThat(SearchPath.find("hearth-no-such-program")).isEmpty();
        assertThat(SearchPath.find(dir.resolve("nothing").toString())).isEmpty();
    }
}
