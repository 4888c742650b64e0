// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import dev.hearth.core.instance.InstanceDocument;

/**
 * Coordinator to a Hearth agent: create an instance as {@code hearth instance create} would (validation,
 * allocation, rollback); the agent answers {@code instance_progress} per step and one {@code instance_result}.
 * Carries the instance's secrets: the link is the admin-guarded path they take to the node, and neither side logs
 * the message.
 *
 * @param requestId the coordinator's id for this command, echoed in the answers
 * @param instance the request
 */
public record InstanceCreate(String requestId, InstanceDocument instance) implements CoordinatorMessage {

    /** The record's text without the secrets. */
    @Override
    public String toString() {
        return "InstanceCreate[requestId=" + requestId + ", instance=" + instance + "]";
    }
}
