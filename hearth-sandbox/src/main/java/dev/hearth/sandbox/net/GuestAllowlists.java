// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.VmNic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The egress allowlists of the microVM guests one process owns: a {@link GuestFence} per guest and one
 * {@link AllowlistDns} per bridge address, shared by those guests and keyed by their pinned source addresses. The
 * server listens on a free port of the bridge address; each guest's DNS is redirected to it, so several processes
 * (jobs of {@code hearth run}, an agent's instances) each serve their own guests on one bridge. Thread-safe.
 */
public final class GuestAllowlists implements AutoCloseable {

    private final Map<String, AllowlistDns> servers = new HashMap<>();

    /** One guest's allowlist as this process enforces it; {@link #close} ends it. */
    public final class GuestAllowlist implements AutoCloseable {
        private final AllowlistDns dns;
        private final GuestFence fence;

        private GuestAllowlist(AllowlistDns dns, GuestFence fence) {
            this.dns = dns;
            this.fence = fence;
        }

        /** Stops answering the guest's DNS and removes its pin and fence. Idempotent. */
        @Override
        public void close() {
            dns.dismiss(fence.nic().guestAddress());
            fence.close();
        }
    }

    /**
     * Pins {@code nic} (attached to {@code network}), installs its fence for {@code allow} and answers its DNS from
     * this process. Nothing is left when it fails.
     *
     * @throws SandboxException naming what could not be installed or bound
     */
    public synchronized GuestAllowlist admit(HostNetwork network, VmNic nic, List<EgressAllow> allow)
            throws SandboxException {
        AllowlistDns dns = servers.get(nic.gateway());
        if (dns == null) {
            dns = AllowlistDns.shared(nic.gateway(), 0);
            servers.put(nic.gateway(), dns);
        }
        GuestFence fence = GuestFence.install(network, nic, allow, dns.port());
        dns.admit(nic.guestAddress(), AllowlistDns.Tenant.of(allow, fence.fence()));
        return new GuestAllowlist(dns, fence);
    }

    /** Stops every DNS server; the guests' fences are closed with their sandboxes. */
    @Override
    public synchronized void close() {
        servers.values().forEach(AllowlistDns::close);
        servers.clear();
    }
}
