// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.util.Objects;

/**
 * A microVM's one network interface: a TAP device on the host, attached to Hearth's bridge, and the address the
 * guest configures on its side.
 *
 * @param tapName the host TAP device (at most 15 characters, the kernel's limit)
 * @param mac the guest NIC's MAC address, {@code 06:00:0a:...} style
 * @param guestAddress the guest's IPv4 address
 * @param prefixLength the subnet's prefix length (24 for Hearth's subnets)
 * @param gateway the bridge's address, the guest's default route
 */
public record VmNic(String tapName, String mac, String guestAddress, int prefixLength, String gateway) {

    public VmNic {
        if (tapName == null || !tapName.matches("[a-zA-Z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("TAP name must be 1..15 characters of [a-zA-Z0-9_.-], got " + tapName);
        }
        if (mac == null || !mac.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            throw new IllegalArgumentException("MAC must be six lower-case hex pairs, got " + mac);
        }
        Objects.requireNonNull(guestAddress, "guestAddress");
        Objects.requireNonNull(gateway, "gateway");
        if (prefixLength < 1 || prefixLength > 30) {
            throw new IllegalArgumentException("prefix length must be within 1..30, got " + prefixLength);
        }
    }
}
