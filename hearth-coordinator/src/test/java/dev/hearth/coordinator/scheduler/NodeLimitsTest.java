package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

        NodeView v = limits.clamp(declared("n1"));

        assertThat(v.slots()).isEqualTo(4);
        assertThat(v.nanoCpus()).isEqualTo(8_000_000_000L);
        assertThat(v.memoryBytes()).isEqualTo(16L << 30);
        assertThat(v.gpus()).extracting(NodeView.Gpu::index).containsExactly(0, 1);
        assertThat(NodeLimits.NONE.withSlots(3).clamp(declared("n1")).memoryBytes()).isEqualTo(1L << 50);
    }

    @Test
    @DisplayName("a node's override replaces the default for it alone")
    void overrides() {
        LeasePolicy policy = new LeasePolicy(Duration.ofMinutes(1), NodeLimits.NONE.withSlots(2),
                Map.of("big", NodeLimits.parse("--node-limit", "slots=64", NodeLimits.NONE.withSlots(2))), 3);

        assertThat(policy.limitsOf("big").clamp(declared("big")).slots()).isEqualTo(64);
        assertThat(policy.limitsOf("other").clamp(declared("other")).slots()).isEqualTo(2);
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
