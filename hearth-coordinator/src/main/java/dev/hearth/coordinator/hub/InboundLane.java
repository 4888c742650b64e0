// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registered node's messages that wait on the store (results, job starts, log chunks, instance answers), handled
 * one at a time in the order they arrived, on a virtual thread of the connection's own, so that the connection's
 * reading thread can answer the node's heartbeats meanwhile: a heartbeat's ack never waits behind a result queued for
 * the store's writer. The thread runs while messages wait and ends when none do (an idle node's lane costs no
 * thread). At most {@link #DEPTH} wait; the reading thread then blocks on the next, so the peer's socket, not the
 * coordinator's memory, holds the rest. Stopped when the connection ends: the message being handled finishes, those
 * still waiting are dropped unanswered (a node sends an unanswered result again from its outbox, as when the
 * connection is lost before the coordinator reads it). Thread-safe.
 */
final class InboundLane {

    private static final Logger log = LoggerFactory.getLogger(InboundLane.class);
    /** Messages waiting at most; each is at most the connection's frame cap. */
    static final int DEPTH = 4;

    private final BlockingQueue<Runnable> waiting = new ArrayBlockingQueue<>(DEPTH);
    private final AtomicBoolean draining = new AtomicBoolean();
    private final String name;
    private volatile boolean stopped;

    /** A lane whose thread is named after {@code name} (the node). */
    InboundLane(String name) {
        this.name = name;
    }

    /**
     * Queues {@code handling}; blocks while {@link #DEPTH} messages wait. Nothing is queued once stopped. A thread
     * handles the queue while it holds messages and ends when it is empty, so an idle node's lane costs no thread.
     *
     * @throws InterruptedException when the connection's thread is interrupted meanwhile (the connection ends)
     */
    void submit(Runnable handling) throws InterruptedException {
        while (!stopped) {
            if (waiting.offer(handling, 100, TimeUnit.MILLISECONDS)) {
                if (draining.compareAndSet(false, true)) {
                    Thread.ofVirtual().name("hearth-node-lane-" + name).start(this::drain);
                }
                return;
            }
        }
    }

    /** Stops after the message being handled; drops the waiting ones. */
    void stop() {
        stopped = true;
        waiting.clear();
    }

    private void drain() {
        while (true) {
            for (Runnable next = waiting.poll(); next != null && !stopped; next = waiting.poll()) {
                try {
                    next.run();
                } catch (RuntimeException e) {
                    log.error("handling a node's message failed", e); // the handler answers its own failures
                }
            }
            draining.set(false);
            // a message queued after the last poll and before the flag was cleared found the flag set: take it on
            if (stopped || waiting.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
