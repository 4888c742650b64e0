// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.net.AllowlistDns;
import dev.hearth.sandbox.net.GuestFence;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.vm.VmNic;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The egress allowlists of the microVM instances of one state root, on Hearth's shared bridge: each guest's
 * {@link GuestFence} (its TAP pinned to its address and MAC, chains keyed by that address, its DNS redirected), written
 * by whichever process starts the VM, and one {@link AllowlistDns} in the supervisor that answers them all by source
 * address.
 *
 * <p>The server's port is kept in {@value #PORT_FILE} under the VM root, so a process that starts a VM (the CLI's
 * {@code instance start}) redirects its DNS to the supervisor's server. The first writer chooses a free port; a
 * supervisor binds the port the file names, or another free one that it writes back. Whenever the supervisor starts
 * serving a guest it writes that guest's rules again with the port it holds, so a redirect written with a stale port
 * (no supervisor, or one that had to move) is corrected; until then the guest's DNS gets no answer, and nothing else
 * changes. Rules are written under a lock on {@value #LOCK_FILE} (and a lock of this JVM's), so a start and a
 * supervisor writing one guest's rules at once never interleave. Thread-safe.
 */
final class VmAllowlists {

    /** The file, under the VM root, naming the port of the supervisor's DNS server on the bridge address. */
    static final String PORT_FILE = "allowlist-dns.port";
    /** The file, under the VM root, whose lock serialises rule writes across processes. */
    static final String LOCK_FILE = "allowlist.lock";
    /** File locks are per JVM: threads of one process (any runtime on this VM root) queue here first. */
    private static final Object JVM_LOCK = new Object();

    private static final Logger log = LoggerFactory.getLogger(VmAllowlists.class);

    private final HostNetwork network;
    private final Path portFile;
    private final Set<String> served = new HashSet<>();
    private AllowlistDns server;

    /** The allowlists of guests on {@code network} whose VM folders are under {@code vmRoot}. */
    VmAllowlists(HostNetwork network, Path vmRoot) {
        this.network = network;
        this.portFile = vmRoot.resolve(PORT_FILE);
    }

    /**
     * Writes the pin and chains of {@code guest} (it has an allowlist) before its VM starts, its DNS
     * redirected to the supervisor's port; rules in place are replaced in one step.
     *
     * @throws SandboxException naming the command that failed or the port file that could not be written
     */
    void fence(GuestHandle guest, VmNic nic) throws SandboxException {
        if (!guest.allow().isEmpty()) {
            int port = port(); // before the lock: serve takes this object's monitor, then the lock
            locked(() -> GuestFence.refresh(network, nic, guest.allow(), port));
        }
    }

    /** Removes the pin and chains of {@code nic}'s guest (stopped or removed); harmless when it has none. */
    void unfence(VmNic nic) {
        try {
            locked(() -> {
                GuestFence.removeLeftover(network, nic);
                return null;
            });
        } catch (SandboxException e) {
            log.error("cannot lock {} to remove the rules of {}: {}; removing them unlocked", portFile
                    .resolveSibling(LOCK_FILE), nic.tapName(), e.getMessage());
            GuestFence.removeLeftover(network, nic);
        }
    }

    private interface Write<T> {
        T run() throws SandboxException;
    }

    private <T> T locked(Write<T> write) throws SandboxException {
        Path lock = portFile.resolveSibling(LOCK_FILE);
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(lock.getParent());
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = ch.lock()) {
                    return write.run();
                }
            } catch (IOException e) {
                throw new SandboxException("cannot lock " + lock + " to write an instance's allowlist rules: "
                        + e.getMessage() + " (the VM root must be writable)", e);
            }
        }
    }

    /**
     * Serves the DNS of {@code guest} from this process, writing its rules again with this server's
     * port first; empty when it has no allowlist. Closing what is returned stops answering the guest and leaves its
     * rules; the server itself closes with the last guest it answers.
     *
     * @throws SandboxException when the server cannot be bound or the rules cannot be written
     */
    synchronized Optional<AutoCloseable> serve(GuestHandle guest, VmNic nic) throws SandboxException {
        if (guest.allow().isEmpty()) {
            return Optional.empty();
        }
        AllowlistDns dns = server(nic.gateway());
        GuestFence fence;
        try {
            fence = locked(() -> GuestFence.refresh(network, nic, guest.allow(), dns.port()));
        } catch (SandboxException e) {
            release();
            throw e;
        }
        String source = nic.guestAddress();
        dns.admit(source, AllowlistDns.Tenant.of(guest.allow(), fence.fence()));
        served.add(source);
        return Optional.of(() -> dismiss(source));
    }

    private synchronized void dismiss(String source) {
        if (server != null && served.remove(source)) {
            server.dismiss(source);
            release();
        }
    }

    /** Closes the server once no guest is answered by it. */
    private void release() {
        if (server != null && served.isEmpty()) {
            server.close();
            server = null;
        }
    }

    private AllowlistDns server(String gateway) throws SandboxException {
        if (server != null) {
            return server;
        }
        Optional<Integer> known = readPort();
        if (known.isPresent()) {
            try {
                server = AllowlistDns.shared(gateway, known.get());
                return server;
            } catch (SandboxException e) {
                log.warn("port {} of {} is taken ({}); the instances' DNS moves to a free port", known.get(),
                        portFile, e.getMessage());
            }
        }
        server = AllowlistDns.shared(gateway, 0);
        try {
            writePort(server.port());
        } catch (SandboxException e) {
            server.close();
            server = null;
            throw e;
        }
        return server;
    }

    /** The port the file names, choosing and writing a free one when there is none. */
    private synchronized int port() throws SandboxException {
        Optional<Integer> known = readPort();
        if (known.isPresent()) {
            return known.get();
        }
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new SandboxException("cannot choose a port for the instances' DNS server: " + e.getMessage(), e);
        }
        writePort(port);
        return port;
    }

    private Optional<Integer> readPort() {
        try {
            int port = Integer.parseInt(Files.readString(portFile).strip());
            return port > 0 && port < 65536 ? Optional.of(port) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void writePort(int port) throws SandboxException {
        try {
            Files.createDirectories(portFile.getParent());
            Path tmp = Files.createTempFile(portFile.getParent(), PORT_FILE, ".tmp");
            Files.writeString(tmp, Integer.toString(port));
            Files.move(tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SandboxException("cannot write the instances' DNS port to " + portFile + ": " + e.getMessage()
                    + " (the state root must be writable)", e);
        }
    }
}
