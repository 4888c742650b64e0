// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

/**
 * How QEMU runs guest code, and why it was chosen: hardware virtualisation (KVM) or QEMU's own translator (TCG),
 * many times slower but working everywhere.
 *
 * @param kind {@code kvm} or {@code tcg}
 * @param reason one line: what the probe saw, or that it was forced
 */
public record Accelerator(String kind, String reason) {

    /** Whether this is KVM. */
    public boolean kvm() {
        return "kvm".equals(kind);
    }

    @Override
    public String toString() {
        return kind + " (" + reason + ")";
    }
}
