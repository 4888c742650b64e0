// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test agent that speaks raw frames over a real WebSocket: it sends exactly the text it is given and queues what
 * it receives, so tests can script a Hypernode v2.0 agent (quirks included) or a misbehaving one.
 */
public final class ScriptedAgent implements AutoCloseable {

    private final BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
    private final java.util.List<JsonNode> setAside = new java.util.ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket ws;
    private final String subprotocol;

    /** A Hearth agent's connection: it offers the {@code hearth.v1} subprotocol, so the coordinator greets it. */
    public ScriptedAgent(int port) throws Exception {
        this(port, true);
    }

    /** A connection that offers the {@code hearth.v1} subprotocol, or (a Hypernode v2.0 agent) none. */
    public ScriptedAgent(int port, boolean hearth) throws Exception {
        var builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (hearth) {
            builder.subprotocols(dev.hearth.core.protocol.Protocol.HEARTH_SUBPROTOCOL);
        }
        ws = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/agent"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            inbox.add(partial.toString());
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                        closed.complete(status);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        closed.complete(-1);
                    }
                }).get(10, TimeUnit.SECONDS);
        subprotocol = ws.getSubprotocol();
    }

    /** The subprotocol the coordinator chose ("" for none). */
    public String subprotocol() {
        return subprotocol;
    }

    public void send(String frame) throws Exception {
        ws.sendText(frame, true).get(10, TimeUnit.SECONDS);
    }

    /** Sends a message in WebSocket fragments of {@code chars} characters each, as the Hearth agent sends big ones. */
    public void sendFragments(String message, int chars) throws Exception {
        for (int from = 0; from < message.length(); from += chars) {
            int to = Math.min(message.length(), from + chars);
            ws.sendText(message.substring(from, to), to == message.length()).get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The next message of {@code type}; fails after 10 s. Messages of other types that arrive first are set aside
     * for a later call (hello and ack are dropped), so the order two messages race in does not decide a test.
     */
    public JsonNode expect(String type) throws Exception {
        for (var it = setAside.iterator(); it.hasNext(); ) {
            JsonNode node = it.next();
            if (type.equals(node.path("type").asText())) {
                it.remove();
                return node;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long left = deadline - System.nanoTime();
            String frame = inbox.poll(Math.max(1, left), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("no '" + type + "' message within 10 s");
            }
            JsonNode node = Json.mapper().readTree(frame);
            String got = node.path("type").asText();
            if (type.equals(got)) {
                return node;
            }
            if (!got.equals("hello") && !got.equals("ack")) {
                setAside.add(node);
            }
        }
    }

    /**
     * The next message of any type (set-aside ones first), or null when none arrives within {@code millis}; for a
     * single reader that dispatches on the type itself.
     */
    public JsonNode next(long millis) throws Exception {
        if (!setAside.isEmpty()) {
            return setAside.removeFirst();
        }
        String frame = inbox.poll(millis, TimeUnit.MILLISECONDS);
        return frame == null ? null : Json.mapper().readTree(frame);
    }

    /** Whether the connection has closed (either side). */
    public boolean isClosed() {
        return closed.isDone();
    }

    /** The close status the server sent, waiting up to 10 s. */
    public int closeStatus() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }

    /** Closes with a close frame (1000), as an agent that stops does; {@link #close()} only drops the socket. */
    public void closeNormally() throws Exception {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        closed.get(10, TimeUnit.SECONDS);
        ws.abort();
    }

    @Override
    public void close() {
        ws.abort();
    }
}
