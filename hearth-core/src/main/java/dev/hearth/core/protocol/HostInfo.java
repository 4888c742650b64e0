// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What an agent reports about its host at registration. Field names follow Hypernode v2.0 ({@code os_version},
 * {@code docker_version}, {@code agent_version}); {@code cpus}, {@code memory_bytes} and {@code runtimes} are
 * Hearth's additions and are null from a v2.0 agent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostInfo(
        String hostname,
        String os,
        @JsonProperty("os_version") String osVersion,
        String arch,
        Integer cpus,
        @JsonProperty("memory_bytes") Long memoryBytes,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> runtimes,
        List<GpuReport> gpus,
        @JsonProperty("docker_version") String dockerVersion,
        @JsonProperty("agent_version") String agentVersion) {

    public HostInfo {
        runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
    }
}
