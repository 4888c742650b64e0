// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Resources a node offers to jobs, or has free at a heartbeat.
 *
 * @param slots jobs it runs at once
 * @param cpus CPUs
 * @param memoryBytes memory in bytes
 * @param gpus indexes of GPUs
 */
public record Capacity(int slots, double cpus, @JsonProperty("memory_bytes") long memoryBytes, List<Integer> gpus) {

    public Capacity {
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
    }
}
