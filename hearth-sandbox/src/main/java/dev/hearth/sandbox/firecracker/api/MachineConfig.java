// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code PUT /machine-config} (pre-boot), and the answer of {@code GET /machine-config}. Hearth always sends SMT
 * off, as fireclaw does: a guest's vCPUs are then never hyper-thread siblings sharing caches with each other.
 *
 * @param vcpuCount 1..32
 * @param memSizeMib guest memory in MiB
 * @param smt simultaneous multithreading
 */
@JsonIgnoreProperties(ignoreUnknown = true) // GET answers carry fields Hearth does not set (huge_pages, ...)
public record MachineConfig(
        @JsonProperty("vcpu_count") int vcpuCount,
        @JsonProperty("mem_size_mib") int memSizeMib,
        @JsonProperty("smt") boolean smt) implements FirecrackerRequest {

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/machine-config";
    }
}
