// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One instance as a Hearth agent reports it to the coordinator (in {@code register}, {@code instances} and
 * {@code instance_result}): what {@code hearth instance list} shows, never a secret or the gateway token.
 *
 * @param id the instance id
 * @param runtime docker, qemu or firecracker
 * @param desired what the owner wants: {@code running}, {@code stopped}, {@code paused} or {@code creating}
 * @param state what the guest is now: {@code running}, {@code stopped}, {@code paused} (saved to disk),
 *     {@code missing}, {@code creating}, {@code unknown}
 * @param health the supervisor's last health check ({@code ok}, {@code failing: why}, {@code unknown}), {@code -}
 *     when the instance is not meant to run or no supervisor runs
 * @param proxy the loopback proxy ({@code listening 127.0.0.1:PORT}, {@code closed}, ...)
 * @param hostPort the loopback port on the node
 * @param guestIp the guest's address, or null when it has none now
 * @param restarts restarts by the supervisor after the guest stopped on its own
 * @param lastExit the reason of the last such stop, or null
 * @param createdAt when the instance was created, ISO-8601
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceReport(String id, String runtime, String desired, String state, String health, String proxy,
        int hostPort, String guestIp, int restarts, String lastExit, String createdAt) {
}
