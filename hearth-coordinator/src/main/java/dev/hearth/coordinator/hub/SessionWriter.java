// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsSession;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A connection's outgoing side: a queue bounded in messages and bytes, drained by a virtual thread of its own that
 * writes each frame under the {@link TransportLimits#writeDeadline() write deadline}. Enqueueing never blocks, so
 * one peer that stops reading cannot stall the scheduler or any other connection: when its queue overflows, a write
 * blocks past the deadline or a write fails, the writer gives up, drops what is queued, interrupts a blocked write
 * (which closes the socket) and tells its owner once, through {@code failed}. Thread-safe.
 */
final class SessionWriter {

    /** One frame to write. */
    private sealed interface Outgoing {
        int bytes();
    }

    private record Text(String text, int bytes) implements Outgoing {
    }

    private record Pong(byte[] payload) implements Outgoing {
        @Override
        public int bytes() {
            return payload.length;
        }
    }

    private record Close(int code, String reason) implements Outgoing {
        @Override
        public int bytes() {
            return 0;
        }
    }

    private final WsSession ws;
    private final TransportLimits limits;
    private final ScheduledExecutorService timer;
    private final Consumer<String> failed;
    private final Runnable closed;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private final Thread drain;
    private long queuedBytes;
    private boolean closing;
    private boolean gaveUp;

    /**
     * @param ws the connection to write to
     * @param limits queue bounds and the write deadline
     * @param timer runs the write deadline's watch
     * @param failed told once, with the reason, when the writer gives up on the peer
     * @param closed run after a queued close frame was written, to end the connection
     */
    SessionWriter(WsSession ws, TransportLimits limits, ScheduledExecutorService timer, Consumer<String> failed,
            Runnable closed) {
        this.ws = ws;
        this.limits = limits;
        this.timer = timer;
        this.failed = failed;
        this.closed = closed;
        this.drain = Thread.ofVirtual().name("hearth-ws-writer").start(this::drain);
    }

    /** Queues a text message; false when the writer is closing or gave up, or the message overflowed the queue. */
    boolean send(String text) {
        return offer(new Text(text, utf8Length(text)));
    }

    /** Queues the answer to a ping, with its payload. */
    void pong(byte[] payload) {
        offer(new Pong(payload));
    }

    /** Queues a close frame after what is queued; nothing sent after it is written, and the connection then ends. */
    void close(int code, String reason) {
        lock.lock();
        try {
            if (closing || gaveUp) {
                return;
            }
            closing = true;
            queue.add(new Close(code, reason));
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops writing now, dropping what is queued (the connection is gone or being killed). */
    void stop() {
        lock.lock();
        try {
            closing = true;
            queue.clear();
            queuedBytes = 0;
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Whether nothing more will be written. */
    boolean done() {
        lock.lock();
        try {
            return closing || gaveUp;
        } finally {
            lock.unlock();
        }
    }

    private boolean offer(Outgoing item) {
        String overflow;
        lock.lock();
        try {
            if (closing || gaveUp) {
                return false;
            }
            if (queue.size() < limits.sendQueueMessages() && queuedBytes + item.bytes() <= limits.sendQueueBytes()) {
                queue.add(item);
                queuedBytes += item.bytes();
                ready.signal();
                return true;
            }
            overflow = "its send queue is full (" + queue.size() + " messages, " + queuedBytes + " bytes queued; "
                    + "limits " + limits.sendQueueMessages() + " messages, " + limits.sendQueueBytes() + " bytes): "
                    + "the peer does not read what it is sent";
        } finally {
            lock.unlock();
        }
        giveUp(overflow);
        return false;
    }

    private void giveUp(String why) {
        lock.lock();
        try {
            if (gaveUp) {
                return;
            }
            gaveUp = true;
            queue.clear();
            queuedBytes = 0;
            ready.signal();
        } finally {
            lock.unlock();
        }
        // A virtual thread blocked in a socket write is released by an interrupt, which closes the socket.
        drain.interrupt();
        failed.accept(why);
    }

    private Outgoing next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (gaveUp || closing) {
                    return null;
                }
                ready.await();
            }
            Outgoing item = queue.poll();
            queuedBytes -= item.bytes();
            return item;
        } finally {
            lock.unlock();
        }
    }

    private void drain() {
        try {
            Outgoing item;
            while ((item = next()) != null) {
                write(item);
                if (item instanceof Close) {
                    closed.run();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the writer gave up on the peer; the thread ends here
        }
    }

    private void write(Outgoing item) {
        long deadline = limits.writeDeadline().toMillis();
        ScheduledFuture<?> watch = timer.schedule(() -> giveUp("a write to it blocked for more than " + deadline
                + " ms (the write deadline): the peer does not read what it is sent"), deadline, TimeUnit.MILLISECONDS);
        try {
            switch (item) {
                case Text t -> ws.send(t.text(), true);
                case Pong p -> ws.pong(BufferData.create(p.payload()));
                case Close c -> ws.close(c.code(), c.reason());
            }
        } catch (RuntimeException e) {
            if (!(item instanceof Close)) {
                giveUp("a write to it failed: " + e.getMessage());
            }
        } finally {
            watch.cancel(false);
        }
    }

    /** The UTF-8 length of a text, without encoding it. */
    static int utf8Length(CharSequence text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
