// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registered node's messages that wait on the store (results, job starts, log chunks, instance answers), handled
 * one at a time in the order they arrived, on a virtual thread of the connection's own, so that the connection's
 * reading thread can answer the node's heartbeats meanwhile: a heartbeat's ack never waits behind a result queued for
 * the store's writer. At most {@link #DEPTH} messages wait; the reading thread then blocks on the next, so the peer's
 * socket, not the coordinator's memory, holds the rest. Stopped when the connection ends: the message being handled
 * finishes, those still waiting are dropped unanswered (a node sends an unanswered result again from its outbox,
 * as when the connection is lost before the coordinator reads it). Thread-safe.
 */
final class InboundLane {

    private static final Logger log = LoggerFactory.getLogger(InboundLane.class);
    /** Messages waiting at most; each is at most the connection's frame cap. */
    static final int DEPTH = 4;
    private static final Runnable STOP = () -> { };

    private final BlockingQueue<Runnable> waiting = new ArrayBlockingQueue<>(DEPTH + 1);
    private volatile boolean stopped;

    /** A lane whose thread is named after {@code name} (the node). */
    InboundLane(String name) {
        Thread.ofVirtual().name("hearth-node-lane-" + name).start(this::run);
    }

    /**
     * Queues {@code handling}; blocks while {@link #DEPTH} messages wait. Nothing is queued once stopped.
     *
     * @throws InterruptedException when the connection's thread is interrupted meanwhile (the connection ends)
     */
    void submit(Runnable handling) throws InterruptedException {
        while (!stopped) {
            if (waiting.offer(handling, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** Stops after the message being handled; drops the waiting ones. */
    void stop() {
        stopped = true;
        waiting.clear();
        waiting.offer(STOP); // room: the queue holds one more than DEPTH, and nothing is added once stopped
    }

    private void run() {
        while (true) {
            Runnable next;
            try {
                next = waiting.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP || stopped) {
                return;
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                log.error("handling a node's message failed", e); // the handler answers its own failures
            }
        }
    }
}
