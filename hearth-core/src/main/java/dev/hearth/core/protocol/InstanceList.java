// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A Hearth agent's full list of instances, sent when it changed (the agent samples it every few seconds and after
 * each instance command). The coordinator replaces the node's inventory with it, so a lost or reordered message is
 * repaired by the next one; {@code register} carries the list too.
 *
 * @param nodeId the id from {@code registered}
 * @param instances every instance on the node, sorted by id
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceList(String nodeId, List<InstanceReport> instances) implements AgentMessage {

    public InstanceList {
        instances = instances == null ? List.of() : List.copyOf(instances);
    }
}
