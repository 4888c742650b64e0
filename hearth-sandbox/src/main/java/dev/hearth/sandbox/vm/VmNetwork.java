// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import dev.hearth.sandbox.SandboxException;

/**
 * Gives microVMs their network interfaces on the host: a TAP on Hearth's bridge, an address from its subnet and a
 * MAC, allocated so that concurrent creates never collide. Thread-safe and safe across processes on one host.
 */
public interface VmNetwork {

    /**
     * Makes sure the host side exists (bridge, NAT, forwarding, isolation), then allocates an address and MAC for
     * {@code vmId} and creates its TAP attached to the bridge.
     *
     * @throws SandboxException naming the command or allocation that failed, with its error output
     */
    VmNic attach(String vmId) throws SandboxException;

    /** Removes the TAP and frees the address; idempotent, never throws for a NIC already gone. */
    void detach(VmNic nic);

    /**
     * The NIC this network holds for {@code vmId}, for freeing a VM whose owner died before it recorded its NIC;
     * empty when it holds none or cannot tell (the default). Never throws: a failure to look is logged, empty.
     */
    default java.util.Optional<VmNic> attachedTo(String vmId) {
        return java.util.Optional.empty();
    }
}
