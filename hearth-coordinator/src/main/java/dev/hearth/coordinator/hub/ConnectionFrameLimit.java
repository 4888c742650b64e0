// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import io.helidon.webserver.websocket.WsConfig;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Helidon's WebSocket settings with a frame-length limit per connection, so that a peer that has not registered can
 * make the coordinator buffer at most a small frame (docs/security.md, "WebSocket transport").
 *
 * <p>Helidon SE 4 reads each client frame whole before any listener sees it, and checks the length in the frame's
 * header against {@link #maxFrameLength()}, which it asks on every frame, on the connection's own (virtual) thread
 * (Helidon 4.3's {@code WsConnection.readFrame}); a frame over it closes the connection with 1009 before its
 * payload is read. The listener of a connection runs on that same thread, so {@link #bind} ties a connection's
 * limit to the thread reading it: {@link AgentConnection} binds the small pre-registration limit in {@code onOpen}
 * and raises it when the peer registers. A thread with nothing bound (another WebSocket route, or Helidon's own
 * checks) gets the listener-wide limit. {@code WebSocketTransportTest.slowHugeFramesBeforeRegister} proves it
 * against the Helidon this is built with. Thread-safe.
 */
public final class ConnectionFrameLimit implements WsConfig {

    private static final ThreadLocal<IntSupplier> BOUND = new ThreadLocal<>();

    private final WsConfig base;

    /** Settings named {@code websocket} whose limit, where no connection bound its own, is {@code maxFrameBytes}. */
    public ConnectionFrameLimit(int maxFrameBytes) {
        this.base = WsConfig.builder().name("websocket").maxFrameLength(maxFrameBytes).build();
    }

    /** Makes {@code limit} the frame limit of the connection read by the calling thread, until bound again. */
    static void bind(IntSupplier limit) {
        BOUND.set(limit);
    }

    /** Forgets the calling thread's limit (its connection ended). */
    static void unbind() {
        BOUND.remove();
    }

    @Override
    public int maxFrameLength() {
        IntSupplier limit = BOUND.get();
        return limit == null ? base.maxFrameLength() : limit.getAsInt();
    }

    @Override
    public Set<String> origins() {
        return base.origins();
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public String type() {
        return base.type();
    }

    @Override
    public String toString() {
        return "ConnectionFrameLimit{" + base + "}";
    }
}
