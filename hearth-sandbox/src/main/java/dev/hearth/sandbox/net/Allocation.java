// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

/**
 * One VM's share of the subnet, as the ledger records it: the last octet of its address and its TAP's name.
 *
 * @param octet the last octet of the guest's address within the /24
 * @param vmId the VM it belongs to
 * @param tapName its TAP device
 */
record Allocation(int octet, String vmId, String tapName) {

    /**
     * The TAP name for a VM, as fireclaw derives it (prefix, the first six of the id's {@code [a-z0-9]}, then the
     * octet) with a {@code -} before the octet, so {@code ab1}+2 and {@code ab}+12 cannot both be {@code tab12}.
     * At most 4 + 6 + 1 + 3 = 14 characters, under the kernel's 15; unique on the bridge because octets are.
     */
    static String tapName(String prefix, String vmId, int octet) {
        String id = vmId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return prefix + id.substring(0, Math.min(6, id.length())) + "-" + octet;
    }

    /** The guest MAC for an octet, as fireclaw derives it: {@code 06:fc:00:10:00:<octet in hex>}. */
    static String mac(int octet) {
        return String.format("06:fc:00:10:00:%02x", octet);
    }

    /** The ledger line for this allocation. */
    String line() {
        return "nic " + octet + " " + vmId + " " + tapName;
    }
}
