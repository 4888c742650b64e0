// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The mark of a running supervisor: it holds an exclusive lock on {@code STATE_ROOT/supervisor.lock} for its whole
 * life (the kernel drops it when the process dies, however it dies), so any process can tell whether one runs.
 */
final class SupervisorLock implements AutoCloseable {

    static final String FILE = "supervisor.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private SupervisorLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or fails when another supervisor holds it. */
    static SupervisorLock take(Path stateRoot) throws IOException {
        FileChannel ch = FileChannel.open(stateRoot.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new InstanceSupervisor.AlreadySupervised("another instance supervisor already runs for "
                    + stateRoot + " (it holds " + stateRoot.resolve(FILE) + ")");
        }
        return new SupervisorLock(ch, l);
    }

    /** Whether a supervisor (in this process or another) holds the lock of {@code stateRoot} now. */
    static boolean held(Path stateRoot) throws IOException {
        try (FileChannel ch = FileChannel.open(stateRoot.resolve(FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
