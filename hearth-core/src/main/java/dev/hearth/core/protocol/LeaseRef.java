// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * A job under a lease: the job id and the lease's epoch (a fencing token that only grows per job).
 *
 * @param jobId the job
 * @param epoch the lease epoch the node was given
 */
public record LeaseRef(String jobId, long epoch) {
}
