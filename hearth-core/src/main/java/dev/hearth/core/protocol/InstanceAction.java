// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * Coordinator to a Hearth agent: a lifecycle command on one instance; answered by one {@code instance_result}.
 *
 * @param requestId the coordinator's id for this command, echoed in the answer
 * @param instanceId the instance
 * @param action {@code start}, {@code stop}, {@code restart} or {@code destroy}
 */
public record InstanceAction(String requestId, String instanceId, String action) implements CoordinatorMessage {

    /** The actions an agent accepts. */
    public static final java.util.List<String> ACTIONS = java.util.List.of("start", "stop", "restart", "destroy");
}
