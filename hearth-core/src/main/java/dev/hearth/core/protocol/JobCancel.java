// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Stop a job and drop it: cancelled by a user, or its lease was taken from this node (then {@code reason} is
 * {@code stale_lease} and any result for that epoch will be refused).
 *
 * @param jobId the job (v2.0 field name)
 * @param epoch the lease epoch cancelled (Hearth); null cancels whatever the node runs for the job
 * @param reason why (Hearth)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobCancel(String jobId, Long epoch, String reason) implements CoordinatorMessage {
}
