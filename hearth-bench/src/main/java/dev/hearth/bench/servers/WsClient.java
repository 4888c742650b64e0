// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One heartbeating client on a real WebSocket, as {@code agents-sim}'s agents do it but without registering: each
 * {@link #heartbeat()} sends a full {@code hearth/1} heartbeat and the round trip runs to the {@code ack}. Acks carry
 * no id, so they are matched in order (every candidate answers one connection's frames in order). A
 * {@link WebSocket} allows one outstanding send, so sends are chained. Thread-safe.
 */
final class WsClient implements WebSocket.Listener {

    private static final Capacity CAPACITY = new Capacity(4, 16.0, 64L << 30, List.of());

    private final int index;
    private final RoundTrips counters;
    private final StringBuilder partial = new StringBuilder();
    private final Queue<Long> inFlight = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final long startedNanos = System.nanoTime();
    private CompletableFuture<?> sends = CompletableFuture.completedFuture(null); // guarded by this
    private volatile WebSocket ws;
    private volatile boolean closing;

    WsClient(int index, RoundTrips counters) {
        this.index = index;
        this.counters = counters;
    }

    /** Opens the connection; the future completes once it is open. */
    CompletableFuture<Void> connect(HttpClient http, URI uri, Duration timeout) {
        http.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, this).whenComplete((w, e) -> {
            if (e != null) {
                opened.completeExceptionally(e);
            }
        });
        return opened;
    }

    /** Sends one heartbeat; its ack's arrival is reported to the counters. */
    void heartbeat() {
        if (closing || ws == null) {
            return;
        }
        Heartbeat h = new Heartbeat("bench-" + index, Instant.now().toString(), new Heartbeat.Stats(0, 0,
                (System.nanoTime() - startedNanos) / 1_000_000_000L, 0, List.of()), "online", CAPACITY);
        String frame = ProtocolCodec.encode(h);
        long now = System.nanoTime();
        inFlight.add(now);
        counters.sent(now);
        send(frame);
    }

    /** Closes the connection without counting it as a disconnect. */
    void close() {
        closing = true;
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        ws = webSocket;
        opened.complete(null);
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String frame = partial.toString();
            partial.setLength(0);
            try {
                handle(ProtocolCodec.decodeCoordinatorMessage(frame));
            } catch (ProtocolException | RuntimeException e) {
                counters.error("client " + index + " could not handle '" + frame + "': " + e.getMessage());
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(CoordinatorMessage message) {
        if (message instanceof Ack) {
            Long sent = inFlight.poll();
            if (sent != null) {
                counters.acked(sent, System.nanoTime());
            } else {
                counters.error("client " + index + " got an ack with no heartbeat in flight");
            }
        } else if (message instanceof ErrorMessage e) {
            counters.error("client " + index + " got error " + e.code() + ": " + e.message());
        } else {
            counters.error("client " + index + " got an unexpected " + message.getClass().getSimpleName());
        }
    }

    private synchronized void send(String frame) {
        // One send at a time per socket: each starts when the previous one has completed, failed or not.
        sends = sends.handle((v, e) -> null).thenCompose(v -> ws.sendText(frame, true)).whenComplete((w, e) -> {
            if (e != null && !closing) {
                counters.error("client " + index + " send failed: " + e);
            }
        });
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        lost("closed by the server: " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        lost("failed: " + error);
    }

    private void lost(String how) {
        if (closing) {
            return;
        }
        String text = "client " + index + " connection " + how;
        if (!opened.isDone()) {
            opened.completeExceptionally(new IllegalStateException(text));
        } else {
            counters.disconnected(text);
        }
    }
}
