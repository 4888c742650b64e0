// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The allocation file of one bridge ({@code <stateDir>/<bridge>.ledger}) and the lock that guards it
 * ({@code <bridge>.lock}), so that concurrent creates, from threads of one JVM or from several processes, never
 * hand out one address twice. Each {@link #update} holds an in-process lock (a JVM may hold a file lock only once)
 * and then an exclusive {@link FileChannel#lock()} on the lock file, reads the ledger, runs the work, and writes the
 * ledger back atomically (a temporary file moved over it) when the work changed it. The lock file is never deleted:
 * deleting it while another process waits on it would let two processes hold "the" lock at once. Thread-safe.
 */
final class AddressBook {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    /** Work done under the lock with the ledger in hand. */
    interface Work<T> {
        T apply(Ledger ledger) throws SandboxException;
    }

    private final Path lockFile;
    private final Path ledgerFile;

    AddressBook(Path stateDir, String bridgeName) {
        Path dir = stateDir.toAbsolutePath().normalize();
        this.lockFile = dir.resolve(bridgeName + ".lock");
        this.ledgerFile = dir.resolve(bridgeName + ".ledger");
    }

    /**
     * Runs {@code work} while holding the bridge's lock and saves the ledger if it changed, also when the work
     * fails after changing it (an allocation recorded before its TAP was made must stay recorded for teardown).
     * Not re-entrant: a thread that already holds the lock gets an {@link IllegalStateException}.
     */
    <T> T update(Work<T> work) throws SandboxException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        if (local.isHeldByCurrentThread()) {
            throw new IllegalStateException("the allocation lock " + lockFile + " is not re-entrant");
        }
        local.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                Ledger ledger = read();
                try {
                    return work.apply(ledger);
                } finally {
                    if (ledger.changed()) {
                        write(ledger);
                    }
                }
            }
        } catch (IOException e) {
            if (e instanceof SandboxException s) {
                throw s;
            }
            throw new SandboxException("cannot use the allocation file " + ledgerFile + " under its lock " + lockFile
                    + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    /**
     * The lowest free last octet of the subnet: neither the network (0), the broadcast (255) nor the bridge's own
     * address, and held by no VM in the ledger.
     *
     * @throws InvalidInputException naming SUBNET_CIDR and saying how many addresses are in use when none is free
     */
    static int freeOctet(Ledger ledger, NetworkConfig config) {
        int bridgeOctet = config.bridgeCidr().address() & 0xff;
        Set<Integer> used = ledger.allocations().stream().map(Allocation::octet).collect(Collectors.toSet());
        for (int octet = 1; octet <= 254; octet++) {
            if (octet != bridgeOctet && !used.contains(octet)) {
                return octet;
            }
        }
        throw new InvalidInputException("SUBNET_CIDR", config.subnet(), "a subnet with a free guest address, but all "
                + used.size() + " of its 253 guest addresses are in use by VMs on bridge " + config.bridgeName()
                + "; stop a VM or give this host another bridge and subnet");
    }

    Path ledgerFile() {
        return ledgerFile;
    }

    private Ledger read() throws IOException {
        if (!Files.exists(ledgerFile)) {
            return new Ledger();
        }
        return Ledger.parse(Files.readAllLines(ledgerFile, StandardCharsets.UTF_8), ledgerFile.toString());
    }

    private void write(Ledger ledger) throws IOException {
        Path tmp = ledgerFile.resolveSibling(ledgerFile.getFileName() + ".tmp");
        List<String> lines = ledger.lines();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, ledgerFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
