// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * A Hearth agent confirms that a leased job's sandbox started (the lease moves from leased to running).
 *
 * @param jobId the job
 * @param epoch its lease epoch
 */
public record JobStarted(String jobId, long epoch) implements AgentMessage {
}
