// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Node limits clamp what a node declares; a node's override beats the default")
class NodeLimitsTest {

    private static NodeView declared(String id) {
        return new NodeView(id, true, 100_000, 512_000_000_000L, 1L << 50, List.of(new NodeView.Gpu(0, 80_000),
                new NodeView.Gpu(1, 80_000), new NodeView.Gpu(2, 80_000)), 0, 0, 0, List.of(), 0.0);
    }

    @Test
    @DisplayName("slots, CPUs, memory and GPUs are clamped to the limits; what is not limited stays as declared")
    void clamps() {
        NodeLimits limits = NodeLimits.parse("--node-limit", "slots=4,cpus=8,memory=16g,gpus=2", NodeLimits.NONE);

        NodeView v = declared("n1").clampedTo(limits);

        assertThat(v.slots()).isEqualTo(4);
        assertThat(v.nanoCpus()).isEqualTo(8_000_000_000L);
        assertThat(v.memoryBytes()).isEqualTo(16L << 30);
        assertThat(v.gpus()).extracting(NodeView.Gpu::index).containsExactly(0, 1);
        assertThat(declared("n1").clampedTo(NodeLimits.NONE.withSlots(3)).memoryBytes()).isEqualTo(1L << 50);
    }

    @Test
    @DisplayName("a node's override replaces the default for it alone; one set through the API beats the flags")
    void overrides() {
        LeasePolicy policy = new LeasePolicy(Duration.ofMinutes(1), NodeLimits.NONE.withSlots(2),
                Map.of("big", NodeLimits.parse("--node-limit", "slots=64", NodeLimits.NONE.withSlots(2))), 3);

        assertThat(declared("big").clampedTo(policy.limitsOf("big", Map.of())).slots()).isEqualTo(64);
        assertThat(declared("other").clampedTo(policy.limitsOf("other", Map.of())).slots()).isEqualTo(2);
        assertThat(declared("big").clampedTo(policy.limitsOf("big", Map.of("big", NodeLimits.NONE.withSlots(1))))
                .slots()).as("the API's limit beats the flag's").isEqualTo(1);
    }

    @Test
    @DisplayName("a limit that does not read is refused, naming the field and the form")
    void badInput() {
        assertThatThrownBy(() -> NodeLimits.parse("--node-limit", "slots=lots", NodeLimits.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--node-limit")
                .hasMessageContaining("slots=N,cpus=X,memory=SIZE,gpus=N");
        assertThatThrownBy(() -> NodeLimits.parse("--node-limit", "disks=3", NodeLimits.NONE))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> NodeLimits.parse("--node-limit", "slots=-1", NodeLimits.NONE))
                .isInstanceOf(InvalidInputException.class);
    }
}
