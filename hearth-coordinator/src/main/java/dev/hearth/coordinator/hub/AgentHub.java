// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import io.helidon.websocket.WsListener;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The registry of live agent connections, by node id. A node that reconnects replaces its older connection (closed
 * with 4000 "replaced"). Thread-safe.
 */
public final class AgentHub {

    private final Map<String, NodeSession> sessions = new ConcurrentHashMap<>();
    private final MessageHandler handler;
    private final TransportLimits limits;
    private final ConnectionGate gate;
    private final ScheduledExecutorService timer;
    /** How long {@link #close} waits for ended connections to be handled. */
    static final long END_WAIT_MILLIS = 5000;
    /** Admitted connections whose end is not handled yet (its one element, guarded by itself). */
    private final int[] unhandled = new int[1];

    /** A hub whose connections are handled by {@code handler}, under the default transport limits. */
    public AgentHub(MessageHandler handler) {
        this(handler, TransportLimits.DEFAULTS);
    }

    /** A hub whose connections are handled by {@code handler}, under {@code limits}. */
    public AgentHub(MessageHandler handler, TransportLimits limits) {
        this.handler = handler;
        this.limits = limits;
        this.gate = new ConnectionGate(limits);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("hearth-ws-timer").daemon().factory());
        t.setRemoveOnCancelPolicy(true); // a write watch is cancelled on almost every write
        this.timer = t;
        handler.attach(this);
    }

    /** A listener for one new WebSocket connection. */
    public WsListener newConnection() {
        return new AgentConnection(handler, this);
    }

    /** Connections open now, registered or not. */
    public int connections() {
        return gate.open();
    }

    /**
     * Waits, up to {@value #END_WAIT_MILLIS} ms, for the connections the stopped server ended to be handled (a draining
     * node is marked offline in the store, which closes after this), then stops the timer of registration and write
     * deadlines. Call it after the server stopped.
     */
    public void close() {
        long deadline = System.nanoTime() + END_WAIT_MILLIS * 1_000_000L;
        synchronized (unhandled) {
            while (unhandled[0] > 0 && System.nanoTime() < deadline) {
                try {
                    unhandled.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        timer.shutdownNow();
    }

    /** An admitted connection whose end is still to be handled. */
    void opened() {
        synchronized (unhandled) {
            unhandled[0]++;
        }
    }

    /** An admitted connection's end was handled. */
    void endHandled() {
        synchronized (unhandled) {
            unhandled[0]--;
            unhandled.notifyAll();
        }
    }

    TransportLimits limits() {
        return limits;
    }

    ConnectionGate gate() {
        return gate;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    void registered(NodeSession session) {
        NodeSession previous = sessions.put(session.nodeId(), session);
        if (previous != null && previous != session) {
            previous.close(4000, "replaced by a newer connection of the same node");
        }
    }

    /**
     * Takes no more offers on a node's current connection, which a newer one of the node is about to replace (it is
     * closed when the newer one is {@link #registered}): whatever would be sent on it now would be lost.
     */
    void retire(String nodeId) {
        NodeSession current = sessions.get(nodeId);
        if (current != null) {
            current.markClosed();
        }
    }

    void disconnected(NodeSession session) {
        session.markClosed();
        sessions.remove(session.nodeId(), session);
    }

    /** The live connection of a node. */
    public Optional<NodeSession> session(String nodeId) {
        return Optional.ofNullable(sessions.get(nodeId)).filter(NodeSession::open);
    }

    /** All live connections. */
    public Collection<NodeSession> sessions() {
        return sessions.values().stream().filter(NodeSession::open).toList();
    }

    /** Closes a node's connection, e.g. when it was declared lost but its socket lingers. */
    public void drop(String nodeId, String reason) {
        NodeSession s = sessions.remove(nodeId);
        if (s != null) {
            s.close(4001, reason);
        }
    }
}
