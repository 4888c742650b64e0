// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Sent every heartbeat interval. {@code nodeId} may be null and {@code timestamp} may lack a zone when a v2.0 agent
 * sends it (the original sends one before {@code registered}); the coordinator tolerates both.
 *
 * @param nodeId the id from {@code registered}
 * @param timestamp when it was sent, ISO-8601
 * @param stats counters in v2.0's shape
 * @param state {@code online} or {@code draining} (Hearth)
 * @param free resources free now (Hearth)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Heartbeat(String nodeId, String timestamp, Stats stats, String state, Capacity free)
        implements AgentMessage {

    /**
     * Counters, as v2.0 names them.
     *
     * @param jobsCompleted jobs finished with success
     * @param jobsFailed jobs finished otherwise
     * @param totalUptime seconds since the agent started
     * @param activeJobs jobs running now
     * @param gpus GPU readings
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stats(
            @JsonProperty("jobs_completed") long jobsCompleted,
            @JsonProperty("jobs_failed") long jobsFailed,
            @JsonProperty("total_uptime") long totalUptime,
            @JsonProperty("active_jobs") int activeJobs,
            List<GpuReport> gpus) {
    }
}
