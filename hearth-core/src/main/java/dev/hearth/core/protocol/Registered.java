// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The node is registered.
 *
 * @param nodeId the node's id: the same on every reconnect with the same token and key
 * @param message human text (v2.0 field)
 * @param protocol the protocol the coordinator will speak with this node (Hearth)
 * @param heartbeatSeconds the interval the coordinator expects (Hearth)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Registered(String nodeId, String message, String protocol, Integer heartbeatSeconds)
        implements CoordinatorMessage {
}
