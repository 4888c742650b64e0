// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;

/**
 * One instance as the coordinator names it: the node it runs on and its id there (ids are unique per node only).
 *
 * @param nodeId the node's id
 * @param instanceId the instance's id on that node
 */
public record InstanceKey(String nodeId, String instanceId) {

    /** Checks both are there. */
    public InstanceKey {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(instanceId, "instanceId");
    }
}
