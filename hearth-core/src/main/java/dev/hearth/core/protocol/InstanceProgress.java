// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * Agent to coordinator: an instance command reached a step (allocate, image, boot, wait, provision, proxy, health,
 * or a lifecycle step), for the API's view of a command in progress.
 *
 * @param requestId the command's id
 * @param step the step's name
 */
public record InstanceProgress(String requestId, String step) implements AgentMessage {
}
