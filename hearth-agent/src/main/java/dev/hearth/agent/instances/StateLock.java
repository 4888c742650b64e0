// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The allocation lock of one STATE_ROOT, held across threads and processes: an exclusive lock on
 * {@code STATE_ROOT/.lock} (processes) taken under a per-folder {@link ReentrantLock} (threads of this JVM, which
 * a file lock alone cannot keep apart: the JVM refuses an overlapping lock from a second thread).
 */
final class StateLock implements AutoCloseable {

    private static final Map<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until this thread holds the lock of {@code stateRoot} (which must exist). */
    static StateLock acquire(Path stateRoot) throws IOException {
        ReentrantLock local = LOCAL.computeIfAbsent(stateRoot.toAbsolutePath().normalize(), p -> new ReentrantLock());
        local.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(stateRoot.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new StateLock(local, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
