// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.receipt.OutputFile;
import dev.hearth.core.receipt.ResourceUsage;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.OutputLimits;
import dev.hearth.sandbox.Outputs;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Docker driver measures usage and hashes outputs, on the real engine")
class UsageAndOutputsTest {

    private final String name = "hearth-test-usage-" + UUID.randomUUID();

    @AfterEach
    void nothingLeft() throws Exception {
        assertThat(DockerFixture.hearthContainers(name)).isEmpty();
    }

    private Sandbox ran(String script) throws Exception {
        Sandbox s = DockerFixture.driver().create(SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", script))
                .name(name).build());
        s.start(LogSink.discard());
        assertThat(s.await(Duration.ofSeconds(60))).as("exited").isPresent();
        return s;
    }

    @Test
    @DisplayName("a job that burns CPU for over a second reports more than 500 ms of CPU time")
    void cpuTime() throws Exception {
        // Spin until the clock's second has changed twice: between one and two seconds of CPU, whatever the machine.
        try (Sandbox s = ran("a=$(date +%s); while [ $(date +%s) = $a ]; do :; done; "
                + "b=$(date +%s); while [ $(date +%s) = $b ]; do :; done")) {
            ResourceUsage u = s.usage();
            assertThat(u.cpuMillis()).as("%s", u).isNotNull().isGreaterThan(500L);
            assertThat(u.peakMemoryBytes()).isNotNull().isPositive();
            assertThat(u.gpuMillis()).isNull();
        }
    }

    @Test
    @DisplayName("a job that holds 50 MB reports a peak memory above 50 MB")
    void peakMemory() throws Exception {
        // /tmp is a tmpfs: its pages are charged to the container's memory cgroup.
        try (Sandbox s = ran("dd if=/dev/zero of=/tmp/fill bs=1M count=50 2>/dev/null; sleep 1; rm /tmp/fill")) {
            ResourceUsage u = s.usage();
            assertThat(u.peakMemoryBytes()).as("%s", u).isNotNull().isGreaterThan(50L * 1024 * 1024);
        }
    }

    @Test
    @DisplayName("files left in /job/out are listed by path with their sizes and SHA-256; links and folders are not")
    void outputs() throws Exception {
        try (Sandbox s = ran("echo hello > /job/out/a.txt; mkdir /job/out/sub; printf x > /job/out/sub/b.bin; "
                + "ln -s a.txt /job/out/link; : > /job/out/empty")) {
            Outputs o = s.outputs(OutputLimits.DEFAULT);
            assertThat(o.truncated()).isFalse();
            assertThat(o.files()).containsExactly(
                    new OutputFile("/job/out/a.txt", 6, sha256("hello\n")),
                    new OutputFile("/job/out/empty", 0, sha256("")),
                    new OutputFile("/job/out/sub/b.bin", 1, sha256("x")));
        }
    }

    @Test
    @DisplayName("over the file or byte limit, only what fits is listed and the outputs are marked truncated")
    void outputLimits() throws Exception {
        try (Sandbox s = ran("for i in 1 2 3; do echo $i > /job/out/f$i; done")) {
            Outputs byCount = s.outputs(new OutputLimits(2, 1000));
            assertThat(byCount.truncated()).isTrue();
            assertThat(byCount.files()).hasSize(2);
            Outputs byBytes = s.outputs(new OutputLimits(10, 4));
            assertThat(byBytes.truncated()).isTrue();
            assertThat(byBytes.files()).hasSize(2).allSatisfy(f -> assertThat(f.bytes()).isEqualTo(2));
            assertThat(s.outputs(new OutputLimits(3, 6)).truncated()).isFalse();
        }
    }

    @Test
    @DisplayName("a job that writes nothing has no outputs")
    void noOutputs() throws Exception {
        try (Sandbox s = ran("true")) {
            assertThat(s.outputs(OutputLimits.DEFAULT)).isEqualTo(Outputs.NONE);
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
