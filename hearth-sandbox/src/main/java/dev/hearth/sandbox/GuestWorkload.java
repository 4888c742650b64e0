// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.util.List;
import java.util.Map;

/**
 * What an instance's guest runs: the image, its main command (which waits for provisioning, then runs the service
 * in the foreground, so the service's exit is the guest's), the user, plain environment and the service's port.
 *
 * @param image the image
 * @param command the main command
 * @param user {@code uid:gid}
 * @param uid the user's id, owner of files written into the guest
 * @param env plain (non-secret) environment
 * @param guestPort the service's port in the guest
 * @param healthPath the HTTP path that answers {@code {"ok":true,...}} when the service is healthy
 */
public record GuestWorkload(String image, List<String> command, String user, int uid, Map<String, String> env,
        int guestPort, String healthPath) {

    public GuestWorkload {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
