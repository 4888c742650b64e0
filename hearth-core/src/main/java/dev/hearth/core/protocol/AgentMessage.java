// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A message an agent sends to the coordinator. The JSON field {@code type} selects the record; the shapes are a
 * superset of Hypernode v2.0's, so a v2.0 agent's frames parse as these records with the Hearth-only fields null.
 * See docs/protocol.md.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Register.class, name = "register"),
        @JsonSubTypes.Type(value = Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = JobResultMessage.class, name = "job_result"),
        @JsonSubTypes.Type(value = JobStarted.class, name = "job_started"),
        @JsonSubTypes.Type(value = JobLog.class, name = "job_log"),
        @JsonSubTypes.Type(value = Pong.class, name = "pong"),
        @JsonSubTypes.Type(value = InstanceList.class, name = "instances"),
        @JsonSubTypes.Type(value = InstanceProgress.class, name = "instance_progress"),
        @JsonSubTypes.Type(value = InstanceResult.class, name = "instance_result")})
public sealed interface AgentMessage permits Register, Heartbeat, JobResultMessage, JobStarted, JobLog, Pong,
        InstanceList, InstanceProgress, InstanceResult {
}
