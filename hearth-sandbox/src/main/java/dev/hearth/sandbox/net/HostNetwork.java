// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hearth's microVM network on one host, fireclaw's design without its defects: one bridge with the gateway
 * address, IPv4 forwarding, MASQUERADE for the subnet (added once), a TAP per VM on the bridge, an address and MAC
 * per VM from the subnet, and VMs isolated from each other unless {@link NetworkConfig#allowPeers()}.
 *
 * <p>Every change to the host happens under the bridge's {@link AddressBook} lock (in-process and a file lock), so
 * concurrent attaches from threads or processes sharing {@link NetworkConfig#stateDir()} never collide and the
 * host side is never set up twice at once. Everything runs in {@link NetworkConfig#namespace()} when one is given.
 * Thread-safe.
 */
public final class HostNetwork implements VmNetwork {

    private static final Logger log = LoggerFactory.getLogger(HostNetwork.class);

    private final NetworkConfig config;
    private final AddressBook book;
    private final HostBridge bridge;
    private final FirewallRules rules;
    private final EgressFilter egress;

    private HostNetwork(NetworkConfig config) {
        this.config = config;
        HostCommand host = new HostCommand(config.namespace(), config.commandTimeout());
        this.book = new AddressBook(config.stateDir(), config.bridgeName());
        this.bridge = new HostBridge(host, config);
        this.rules = new FirewallRules(host, config);
        this.egress = new EgressFilter(host, java.nio.file.Path.of("/etc/resolv.conf"));
    }

    /** A network for {@code config}; touches nothing on the host until {@link #ensure()} or {@link #attach}. */
    public static HostNetwork create(NetworkConfig config) {
        return new HostNetwork(config);
    }

    /** Its configuration. */
    public NetworkConfig config() {
        return config;
    }

    /**
     * Makes sure the host side exists: bridge, address, up, forwarding, NAT and isolation rules, each added only
     * when missing. Checks first that the subnet overlaps no route on another interface.
     *
     * @throws InvalidInputException when the subnet overlaps a host route or BRIDGE_NAME is some other kind of link
     * @throws SandboxException naming the command that failed, with its error output
     */
    public void ensure() throws SandboxException {
        book.update(ledger -> {
            ensureLocked(ledger);
            return null;
        });
    }

    @Override
    public VmNic attach(String vmId) throws SandboxException {
        return attach(vmId, Optional.empty());
    }

    /**
     * Like {@link #attach(String)}, but with the guest address {@code address} of the subnet (chosen by the caller,
     * an instance's allocator for one), which must be a guest address no VM on the bridge holds.
     *
     * @throws InvalidInputException when the address is outside the subnet, the bridge's own, or already held
     */
    public VmNic attachAt(String vmId, String address) throws SandboxException {
        return attach(vmId, Optional.of(address));
    }

    /** The NIC the ledger holds for {@code vmId}, if any (any process may have attached it). */
    public Optional<VmNic> find(String vmId) throws SandboxException {
        return book.update(ledger -> ledger.byVm(vmId).map(this::nic));
    }

    private VmNic attach(String vmId, Optional<String> address) throws SandboxException {
        if (vmId == null || !vmId.matches("[a-z0-9_-]{1,63}")) {
            throw new InvalidInputException("vm id", vmId, "1..63 characters of [a-z0-9_-]");
        }
        return book.update(ledger -> {
            if (ledger.byVm(vmId).isPresent()) {
                throw new SandboxException("VM " + vmId + " already has a NIC on bridge " + config.bridgeName() + " ("
                        + ledger.byVm(vmId).get().tapName() + "); detach it first");
            }
            ensureLocked(ledger);
            int octet = address.isPresent() ? chosenOctet(ledger, address.get())
                    : AddressBook.freeOctet(ledger, config);
            Allocation a = new Allocation(octet, vmId, Allocation.tapName(config.tapPrefix(), vmId, octet));
            // Recorded before the TAP exists, so a crash in between leaves a ledger entry teardown can act on.
            ledger.add(a);
            try {
                bridge.createTap(a.tapName());
                bridge.join(a.tapName());
            } catch (HostCommandException e) {
                undo(a, ledger, e);
                throw e;
            }
            log.info("VM {} gets {} on {} ({}, {})", vmId, a.tapName(), config.bridgeName(), address(octet), Allocation.mac(octet));
            return nic(a);
        });
    }

    @Override
    public void detach(VmNic nic) {
        try {
            book.update(ledger -> {
                bridge.delete(nic.tapName());
                ledger.byTap(nic.tapName()).ifPresent(ledger::remove);
                return null;
            });
        } catch (SandboxException e) {
            // The address stays allocated: its TAP may still exist, and handing it out again would collide.
            log.error("cannot detach {} ({}) from {}: {}", nic.tapName(), nic.guestAddress(), config.bridgeName(),
                    e.getMessage(), e);
        }
    }

    @Override
    public Optional<VmNic> attachedTo(String vmId) {
        try {
            return book.update(ledger -> ledger.byVm(vmId).map(this::nic));
        } catch (SandboxException e) {
            log.error("cannot read the ledger of {} to find the NIC of VM {}: {}", config.bridgeName(), vmId,
                    e.getMessage(), e);
            return Optional.empty();
        }
    }

    /** The NICs the ledger holds for this bridge, from every process sharing its state folder. */
    public List<VmNic> attached() throws SandboxException {
        return book.update(ledger -> ledger.allocations().stream().map(this::nic).toList());
    }

    /**
     * Removes the whole network: every TAP in the ledger, the bridge (or only its address, or nothing, when the
     * bridge was there before Hearth), and every iptables rule marked {@code hearth:<bridge>}. IPv4 forwarding is
     * left on, since other tools (Docker) may rely on it. Harmless when called again.
     *
     * @throws SandboxException naming the command that failed; what was removed before it stays removed
     */
    public void teardown() throws SandboxException {
        book.update(ledger -> {
            for (Allocation a : ledger.allocations()) {
                bridge.delete(a.tapName());
                ledger.remove(a);
            }
            if (ledger.created(Ledger.Created.BRIDGE)) {
                bridge.delete(config.bridgeName());
            } else if (ledger.created(Ledger.Created.ADDRESS) && bridge.link(config.bridgeName()).isPresent()) {
                bridge.removeAddress();
            }
            rules.removeAll();
            egress.unprotectBridge(config.bridgeName());
            ledger.clear();
            log.info("removed Hearth's network on {}", config.bridgeName());
            return null;
        });
    }

    /** Attaches an existing link to the bridge the way a VM's TAP is attached (isolation included). */
    void joinBridge(String port) throws SandboxException {
        bridge.join(port);
    }

    private void ensureLocked(Ledger ledger) throws HostCommandException {
        bridge.checkRoutes();
        bridge.ensure(ledger);
        bridge.ensureForwarding();
        // the filter first: guests must never be forwarded unfiltered, not even for a moment
        egress.protectBridge(config.bridgeName());
        rules.ensure();
    }

    private void undo(Allocation a, Ledger ledger, HostCommandException cause) {
        try {
            bridge.delete(a.tapName());
            ledger.remove(a);
        } catch (HostCommandException e) {
            cause.addSuppressed(e);
        }
    }

    private int chosenOctet(Ledger ledger, String address) {
        int octet = -1;
        for (int o = 1; o <= 254; o++) {
            if (address(o).equals(address)) {
                octet = o;
            }
        }
        if (octet < 0 || octet == (config.bridgeCidr().address() & 0xff)) {
            throw new InvalidInputException("guest address", address, "a guest address of " + config.subnet()
                    + " other than the bridge's own");
        }
        int wanted = octet;
        ledger.allocations().stream().filter(a -> a.octet() == wanted).findFirst().ifPresent(a -> {
            throw new InvalidInputException("guest address", address, "an address no VM holds, but " + a.vmId()
                    + " holds it on bridge " + config.bridgeName());
        });
        return octet;
    }

    private VmNic nic(Allocation a) {
        return new VmNic(a.tapName(), Allocation.mac(a.octet()), address(a.octet()), config.subnetCidr().prefixLength(),
                Ipv4Cidr.dotted(config.bridgeCidr().address()));
    }

    private String address(int octet) {
        return Ipv4Cidr.dotted(config.subnetCidr().host(octet));
    }
}
