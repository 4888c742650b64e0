// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.protocol.GpuReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("GPU inventory from nvidia-smi")
class NvidiaSmiTest {

    @Test
    @DisplayName("parses nvidia-smi's CSV into v2.0's GPU shape with UUIDs")
    void parses() {
        List<GpuReport> gpus = NvidiaSmi.parse("""
                0, NVIDIA H100 80GB HBM3, 81559, 80000, 3, GPU-5d1c2e3f-aaaa-bbbb-cccc-0123456789ab
                1, NVIDIA H100 80GB HBM3, 81559, 1024, 100, GPU-6e2d3f40-aaaa-bbbb-cccc-0123456789ab
                """);
        assertThat(gpus).hasSize(2);
        assertThat(gpus.get(0)).isEqualTo(new GpuReport(0, "NVIDIA H100 80GB HBM3", "81559 MiB", "80000 MiB", "3%",
                "GPU-5d1c2e3f-aaaa-bbbb-cccc-0123456789ab"));
        assertThat(gpus.get(1).vramFreeMib()).isEqualTo(1024);
    }

    @Test
    @DisplayName("a malformed line is skipped, the others kept")
    void skipsMalformed() {
        assertThat(NvidiaSmi.parse("garbage\n0, GPU, 100, 50, 0, GPU-x\n")).hasSize(1);
    }

    @Test
    @DisplayName("no nvidia-smi means no GPUs; a failing one too")
    void absentOrFailing(@TempDir Path dir) throws Exception {
        assertThat(new NvidiaSmi(dir.resolve("missing").toString()).gpus()).isEmpty();
        Path failing = Files.writeString(dir.resolve("nvidia-smi"), "#!/bin/sh\necho 'NVIDIA-SMI has failed' ; exit 9\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(new NvidiaSmi(failing.toString()).gpus()).isEmpty();
        Path working = Files.writeString(dir.resolve("nvidia-smi-ok"),
                "#!/bin/sh\necho '0, Fake GPU, 1000, 900, 0, GPU-fake'\n");
        Files.setPosixFilePermissions(working, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(new NvidiaSmi(working.toString()).gpus()).extracting(GpuReport::uuid).containsExactly("GPU-fake");
    }
}
