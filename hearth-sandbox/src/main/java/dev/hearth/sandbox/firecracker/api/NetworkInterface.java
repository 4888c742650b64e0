// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /network-interfaces/{iface_id}} (pre-boot): a virtio-net device on a host TAP.
 *
 * @param ifaceId the interface's id, also its path segment ({@code eth0})
 * @param hostDevName the TAP device on the host
 * @param guestMac the MAC the guest sees
 */
public record NetworkInterface(
        @JsonProperty("iface_id") String ifaceId,
        @JsonProperty("host_dev_name") String hostDevName,
        @JsonProperty("guest_mac") String guestMac) implements FirecrackerRequest {

    public NetworkInterface {
        if (ifaceId == null || !ifaceId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("interface id must match [A-Za-z0-9_]{1,64}, got " + ifaceId);
        }
        Objects.requireNonNull(hostDevName, "hostDevName");
        Objects.requireNonNull(guestMac, "guestMac");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/network-interfaces/" + ifaceId;
    }

    @Override
    public String operation() {
        return "PUT /network-interfaces/{iface_id}";
    }
}
