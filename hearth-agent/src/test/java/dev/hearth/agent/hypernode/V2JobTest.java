// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.protocol.JobOffer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A Hypernode v2.0 job as a Hearth job")
class V2JobTest {

    private static final V2Job.Host HOST = new V2Job.Host(4, 16L << 30, List.of(0, 1), Duration.ofSeconds(300));

    private static JobOffer offer(String memory, double cpus, boolean gpu) {
        return new JobOffer("j-1", "", gpu, memory, cpus, "print('hi')", null, 60L, null, null);
    }

    @Test
    @DisplayName("runs the script from /job/script.py in Hearth's Python image, without network, with Hearth's "
            + "process limit, the v2.0 memory limit and the node's job timeout")
    void lockedDown() {
        JobSpec spec = V2Job.toSpec(offer("256m", 1.5, false), HOST, V2Job.Busy.NONE);
        assertThat(spec.image()).isEqualTo(V2Job.IMAGE);
        assertThat(spec.command()).containsExactly("python3", V2Job.SCRIPT_PATH);
        assertThat(spec.files()).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo(V2Job.SCRIPT_PATH));
        assertThat(spec.network()).isEqualTo(NetworkPolicy.NONE);
        assertThat(spec.limits().memory().bytes()).isEqualTo(256L << 20);
        assertThat(spec.limits().cpus().cpus()).isEqualTo(1.5);
        assertThat(spec.limits().pids()).isEqualTo(Limits.JOB_DEFAULTS.pids());
        assertThat(spec.timeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(spec.gpus().any()).isFalse();
    }

    @Test
    @DisplayName("takes v2.0's defaults (8g, 2 CPUs) when the fields are absent, and cuts CPUs to the host's")
    void defaultsAndCpuCap() {
        JobSpec absent = V2Job.toSpec(offer(null, 0, false), HOST, V2Job.Busy.NONE);
        assertThat(absent.limits().memory().bytes()).isEqualTo(8L << 30);
        assertThat(absent.limits().cpus().cpus()).isEqualTo(2.0);
        assertThat(V2Job.toSpec(offer("1g", 64, false), HOST, V2Job.Busy.NONE).limits().cpus().cpus()).isEqualTo(4.0);
    }

    @Test
    @DisplayName("hands a GPU job exactly one free GPU, never every GPU, and refuses one when none is free or there "
            + "is none")
    void oneGpu() {
        assertThat(V2Job.toSpec(offer("1g", 1, true), HOST, V2Job.Busy.NONE).gpus().deviceIds()).containsExactly("0");
        assertThat(V2Job.toSpec(offer("1g", 1, true), HOST, new V2Job.Busy(Set.of(0), 0)).gpus().deviceIds()).containsExactly("1");
        assertThatThrownBy(() -> V2Job.toSpec(offer("1g", 1, true), HOST, new V2Job.Busy(Set.of(0, 1), 0)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("job.gpuRequired")
                .hasMessageContaining("every GPU");
        V2Job.Host noGpu = new V2Job.Host(4, 16L << 30, List.of(), Duration.ofSeconds(300));
        assertThatThrownBy(() -> V2Job.toSpec(offer("1g", 1, true), noGpu, V2Job.Busy.NONE))
                .hasMessageContaining("job.gpuRequired").hasMessageContaining("no GPU");
    }

    @Test
    @DisplayName("refuses more memory than the host has, or than running jobs left free, a negative CPU limit and a "
            + "malformed id, naming the field")
    void refusals() {
        assertThatThrownBy(() -> V2Job.toSpec(offer("32g", 1, false), HOST, V2Job.Busy.NONE))
                .hasMessageContaining("job.memoryLimit").hasMessageContaining("this host's memory");
        assertThatThrownBy(() -> V2Job.toSpec(offer("8g", 1, false), HOST, new V2Job.Busy(Set.of(), 10L << 30)))
                .hasMessageContaining("job.memoryLimit").hasMessageContaining("6g of 16g now");
        assertThatThrownBy(() -> V2Job.toSpec(offer("1g", -1, false), HOST, V2Job.Busy.NONE))
                .hasMessageContaining("job.cpuLimit");
        JobOffer badId = new JobOffer("../etc", "", false, "1g", 1, "print(1)", null, 60L, null, null);
        assertThatThrownBy(() -> V2Job.toSpec(badId, HOST, V2Job.Busy.NONE)).hasMessageContaining("job.id");
    }

    @Test
    @DisplayName("reads HN_ENDPOINT as the original does: no path is the root, a path is kept, other schemes refused")
    void endpoints() {
        assertThat(HypernodeAgent.endpoint("HN_ENDPOINT", "wss://nodes.example.org"))
                .isEqualTo(URI.create("wss://nodes.example.org/"));
        assertThat(HypernodeAgent.endpoint("HN_ENDPOINT", "https://nodes.example.org:8443/agents"))
                .isEqualTo(URI.create("wss://nodes.example.org:8443/agents"));
        assertThatThrownBy(() -> HypernodeAgent.endpoint("HN_ENDPOINT", "ftp://x")).hasMessageContaining("HN_ENDPOINT");
        assertThatThrownBy(() -> HypernodeAgent.endpoint("HN_ENDPOINT", "wss://user:s3cret@x"))
                .hasMessageContaining("HN_ENDPOINT").hasMessageNotContaining("s3cret");
    }
}
