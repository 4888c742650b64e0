// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.VmNic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The egress allowlist of one microVM guest on Hearth's shared bridge: its TAP pinned to its address and MAC, and a
 * {@link SandboxFence} of its own keyed by that address.
 *
 * <p>Guests share one bridge, so their rules can tell them apart only by source address; the pin makes that
 * trustworthy. An ebtables chain {@code HP-<tap>}, jumped from the bridge's {@code INPUT} and {@code FORWARD} for
 * frames arriving on the TAP, lets through only IPv4 from the guest's MAC and address and ARP claiming exactly that
 * pair, and drops everything else (another address or MAC, IPv6, other protocols): a guest cannot claim another's
 * address and inherit its allowlist, nor escape its own. The fence's chains ({@code HV-}, {@code HVI-}, {@code HVN-}
 * and the TAP name) match {@code -i <bridge> -s <address>}; guest DNS to the bridge address's port 53 is redirected
 * to the shared {@link AllowlistDns} of the process that owns the guest, every other DNS server refused with the rest.
 * {@link #close} removes all of it. Thread-safe.
 */
public final class GuestFence implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GuestFence.class);

    private final HostCommand host;
    private final VmNic nic;
    private final String pin;
    private final SandboxFence fence;

    private GuestFence(HostCommand host, String bridge, VmNic nic, int dnsPort) {
        this.host = host;
        this.nic = nic;
        String id = nic.tapName().toUpperCase(Locale.ROOT);
        this.pin = "HP-" + id;
        this.fence = new SandboxFence(host, bridge, List.of("-i", bridge, "-s", nic.guestAddress() + "/32"), "HV", id,
                dnsPort);
    }

    /**
     * Pins {@code nic}'s TAP and installs its allowlist {@code allow} on {@code network}'s bridge, with its DNS
     * redirected to port {@code dnsPort} of the bridge address. Nothing is left when it fails.
     *
     * @throws SandboxException naming the ebtables or iptables command that failed
     */
    public static GuestFence install(HostNetwork network, VmNic nic, List<EgressAllow> allow, int dnsPort)
            throws SandboxException {
        GuestFence f = on(network, nic, dnsPort);
        try {
            f.pin();
            f.fence.write(nic.gateway(), allow);
            return f;
        } catch (HostCommandException e) {
            f.close();
            throw new SandboxException("cannot install the egress allowlist of guest " + nic.guestAddress() + " on "
                    + nic.tapName() + ": " + e.getMessage() + " (Hearth needs root, iptables and ebtables)", e);
        }
    }

    /**
     * Writes the allowlist of {@code nic} again, or for the first time, while its guest may be running (a microVM
     * instance's rules follow each start and each supervisor that serves its DNS): a pin in place is kept (it depends
     * only on the NIC's address and MAC), its jumps made sure of, and the chains replaced in one step with the DNS
     * redirect to {@code dnsPort}, never seen empty. A failure removes nothing, so a running guest stays fenced by
     * what was there.
     *
     * @throws SandboxException naming the ebtables or iptables command that failed
     */
    public static GuestFence refresh(HostNetwork network, VmNic nic, List<EgressAllow> allow, int dnsPort)
            throws SandboxException {
        GuestFence f = on(network, nic, dnsPort);
        try {
            if (!f.host.attempt("ebtables", "--concurrent", "-L", f.pin).ok()) {
                f.pin();
            } else {
                for (String chain : List.of("INPUT", "FORWARD")) {
                    if (!f.host.attempt("ebtables", "--concurrent", "--check", chain, "-i", nic.tapName(), "-j",
                            f.pin).ok()) {
                        f.host.run("ebtables", "--concurrent", "-I", chain, "1", "-i", nic.tapName(), "-j", f.pin);
                    }
                }
            }
            f.fence.write(nic.gateway(), allow);
            return f;
        } catch (HostCommandException e) {
            throw new SandboxException("cannot write the egress allowlist of guest " + nic.guestAddress() + " on "
                    + nic.tapName() + " again: " + e.getMessage() + " (the rules in place are kept; Hearth needs "
                    + "root, iptables and ebtables)", e);
        }
    }

    /** Removes what a dead process left for {@code nic} on {@code network}'s bridge; failures are logged. */
    public static void removeLeftover(HostNetwork network, VmNic nic) {
        on(network, nic, 0).close();
    }

    private static GuestFence on(HostNetwork network, VmNic nic, int dnsPort) {
        NetworkConfig config = network.config();
        return new GuestFence(new HostCommand(config.namespace(), config.commandTimeout()), config.bridgeName(), nic,
                dnsPort);
    }

    /** The fence DNS answers are opened in. */
    public SandboxFence fence() {
        return fence;
    }

    /** The pinned NIC. */
    public VmNic nic() {
        return nic;
    }

    private void pin() throws HostCommandException {
        unpin();
        host.run("ebtables", "--concurrent", "-N", pin, "-P", "DROP");
        String mac = nic.mac();
        String ip = nic.guestAddress();
        host.run("ebtables", "--concurrent", "-A", pin, "-p", "IPv4", "-s", mac, "--ip-src", ip, "-j", "RETURN");
        host.run("ebtables", "--concurrent", "-A", pin, "-p", "ARP", "-s", mac, "--arp-mac-src", mac, "--arp-ip-src",
                ip, "-j", "RETURN");
        host.run("ebtables", "--concurrent", "-A", pin, "-j", "DROP");
        for (String chain : List.of("INPUT", "FORWARD")) {
            host.run("ebtables", "--concurrent", "-I", chain, "1", "-i", nic.tapName(), "-j", pin);
        }
    }

    private void unpin() throws HostCommandException {
        for (String chain : List.of("INPUT", "FORWARD")) {
            while (host.attempt("ebtables", "--concurrent", "-D", chain, "-i", nic.tapName(), "-j", pin).ok()) {
                // a jump written twice is removed twice
            }
        }
        if (host.attempt("ebtables", "--concurrent", "-F", pin).ok()) {
            host.attempt("ebtables", "--concurrent", "-X", pin);
        }
    }

    /** Removes the pin and the fence; failures are logged. */
    @Override
    public void close() {
        fence.close();
        try {
            unpin();
        } catch (HostCommandException e) {
            log.error("could not remove the pin of {} ({}): {}", nic.tapName(), nic.guestAddress(), e.getMessage());
        }
    }

    /** The rules' names, for logs and tests. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>(List.of(pin, fence.forwardChain()));
        return "GuestFence" + parts;
    }
}
