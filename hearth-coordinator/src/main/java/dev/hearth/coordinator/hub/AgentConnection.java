// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Hello;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.coordinator.store.GpuInfo;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's WebSocket connection: admits it under the connection caps, greets a Hearth agent (one that negotiated
 * the {@code hearth.v1} subprotocol) with the hello nonce, answers pings, reassembles fragmented frames under the size
 * cap (a small one until the agent registers), closes it when it does not register in time, and hands whole
 * messages to the {@link MessageHandler} (which answers heartbeats on this thread and queues a registered node's other
 * messages on its {@link InboundLane}). The same cap bounds each frame Helidon reads for it
 * ({@link ConnectionFrameLimit}), so an unregistered peer cannot make it buffer a large frame either. Everything it
 * sends goes through its {@link SessionWriter}, so no caller ever blocks on the peer. Helidon calls the listener
 * methods from the connection's own thread, in order; the end of the connection is settled exactly once, whichever
 * of the peer's close, a lost socket or a give-up comes first. A registered node's {@code job_result} over the cap
 * is answered with {@code result_too_large} and the rest of it skipped, so the node's outbox moves on; any other
 * oversize message closes the connection.
 */
final class AgentConnection implements WsListener {

    private static final Logger log = LoggerFactory.getLogger(AgentConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Close codes (RFC 6455, section 7.4.1). */
    private static final int ABNORMAL = 1006;
    private static final int POLICY = 1008;
    private static final int TOO_BIG = 1009;
    private static final int UNEXPECTED = 1011;
    private static final int TRY_AGAIN_LATER = 1013;

    private final MessageHandler handler;
    private final AgentHub hub;
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean hearth;
    private String nonce;
    private String address;
    private boolean admitted;
    private WsSession ws;
    private SessionWriter writer;
    private ScheduledFuture<?> registrationWatch;
    private volatile NodeSession node;
    private volatile InboundLane lane;
    private volatile boolean refusedOversize;
    private boolean skippingResult;
    /** How much of an oversize message is kept to learn whether it is a result, and of which job. */
    private static final int PREFIX_CHARS = 4096;

    AgentConnection(MessageHandler handler, AgentHub hub) {
        this.handler = handler;
        this.hub = hub;
    }

    /** Negotiates the subprotocol: {@code hearth.v1} when the agent offers it, else none (a Hypernode v2.0 agent). */
    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        hearth = Subprotocol.offered(headers, Protocol.HEARTH_SUBPROTOCOL);
        return hearth ? Optional.of(Subprotocol.chosen(Protocol.HEARTH_SUBPROTOCOL)) : Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        ws = session;
        // Helidon reads this connection's frames on this thread; from here each is refused (1009) on its header
        // when longer than the cap of the moment: the small one until the peer registers
        ConnectionFrameLimit.bind(this::cap);
        address = remoteAddress(session);
        Optional<String> refused = hub.gate().admit(address);
        if (refused.isPresent()) {
            handler.warnLimited(null, "refused a connection from " + address + ": " + refused.get());
            session.close(TRY_AGAIN_LATER, refused.get());
            session.terminate(); // ends the connection at once: a refused peer gets no reader and no writer
            return;
        }
        admitted = true;
        hub.opened();
        Thread reader = Thread.currentThread();
        // Helidon tells a listener nothing when the socket just dies; its reading thread ending is the sign.
        Thread.ofVirtual().name("hearth-ws-watch").start(() -> {
            joinQuietly(reader);
            try {
                ended(ABNORMAL, "connection lost");
            } catch (RuntimeException e) { // to the log as any error, not to the thread's default handler
                log.error("handling the end of the connection from {} failed: {}", address, e.toString(), e);
            }
        });
        writer = new SessionWriter(session, hub.limits(), hub.timer(), this::gaveUp, this::endNow);
        long deadline = hub.limits().registrationDeadline().toMillis();
        registrationWatch = hub.timer().schedule(() -> {
            if (node == null) {
                handler.warnLimited(null, "closing a connection from " + address + ": it did not register within "
                        + deadline + " ms");
                close(POLICY, "no register within " + deadline + " ms");
            }
        }, deadline, TimeUnit.MILLISECONDS);
        if (hearth) {
            byte[] bytes = new byte[18];
            RANDOM.nextBytes(bytes);
            nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            sendRaw(new Hello(nonce, List.of(Protocol.HEARTH_V1, Protocol.HYPERNODE_V2)));
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (refusedOversize || ended.get() || writer.done()) {
            return; // the rest of a refused message, or input from a peer being closed
        }
        if (skippingResult) {
            skippingResult = !last; // the rest of a result answered with result_too_large
            return;
        }
        int cap = cap();
        if (partial.length() + text.length() > cap) {
            String prefix = partial.length() > 0 ? partial.substring(0, Math.min(partial.length(), PREFIX_CHARS))
                    : text.substring(0, Math.min(text.length(), PREFIX_CHARS));
            partial.setLength(0);
            if (handler.resultTooLarge(this, prefix)) {
                skippingResult = !last; // answered; the connection stays, the rest of the message is discarded
                return;
            }
            refusedOversize = true;
            handler.frameTooLarge(node, address, cap);
            sendRaw(ErrorMessage.of(ErrorCode.FRAME_TOO_LARGE, "message larger than " + cap + " bytes refused"
                    + (node == null ? " (the limit before register)" : "")));
            close(TOO_BIG, "message too large");
            return;
        }
        partial.append(text);
        if (!last) {
            return;
        }
        String frame = partial.toString();
        partial.setLength(0);
        handler.handle(this, frame);
    }

    /** RFC 6455: a ping is answered with a pong carrying its payload. */
    @Override
    public void onPing(WsSession session, BufferData buffer) {
        byte[] payload = new byte[buffer.available()];
        buffer.read(payload);
        if (writer != null) {
            writer.pong(payload);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        ConnectionFrameLimit.unbind();
        ended(status, reason);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        ended(UNEXPECTED, String.valueOf(t.getMessage()));
    }

    /** The largest message (and frame) accepted now: a small one until the peer registers. */
    private int cap() {
        return node == null ? Math.min(hub.limits().unregisteredFrameBytes(), handler.maxFrameBytes())
                : handler.maxFrameBytes();
    }

    String nonce() {
        return nonce;
    }

    NodeSession node() {
        return node;
    }

    /** Binds this connection to a registered node and returns its session. */
    NodeSession register(String nodeId, boolean hearthNode, Capacity capacity, List<GpuInfo> gpus,
            List<String> runtimes) {
        NodeSession session = new NodeSession(nodeId, hearthNode, capacity, gpus, runtimes, writer, handler::sent);
        if (lane == null) {
            lane = new InboundLane(nodeId);
            if (ended.get()) {
                lane.stop(); // ended while registering
            }
        }
        node = session;
        if (registrationWatch != null) {
            registrationWatch.cancel(false);
        }
        return session;
    }

    /**
     * Handles {@code handling} after the registered node's earlier messages, off the reading thread (see
     * {@link InboundLane}); before registration, at once on the calling thread.
     *
     * @throws InterruptedException when the reading thread is interrupted while the lane is full
     */
    void inOrder(Runnable handling) throws InterruptedException {
        InboundLane l = lane;
        if (l == null) {
            handling.run();
        } else {
            l.submit(handling);
        }
    }

    /** Sends before or without registration (hello, errors); queued with the node session's sends. */
    void sendRaw(CoordinatorMessage message) {
        NodeSession n = node;
        if (n != null) {
            n.send(message);
        } else if (writer != null && writer.send(ProtocolCodec.encode(message))) {
            handler.sent(message);
        }
    }

    /** Closes after what is queued: a close frame, then the connection ends. */
    void close(int code, String reason) {
        if (writer != null) {
            writer.close(code, reason);
        }
    }

    private void gaveUp(String why) {
        NodeSession n = node;
        handler.warnLimited(n, "closing the connection of "
                + (n == null ? "an unregistered peer" : "node " + n.nodeId()) + " from " + address + ": " + why);
        ended(POLICY, why);
        endNow();
    }

    /** Ends the connection now: interrupts its reading thread, which closes the socket. */
    private void endNow() {
        if (ws instanceof ServerConnection connection) {
            connection.close(true);
        }
    }

    private void ended(int status, String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        if (registrationWatch != null) {
            registrationWatch.cancel(false);
        }
        if (writer != null) {
            writer.stop();
        }
        InboundLane l = lane;
        if (l != null) {
            l.stop();
        }
        if (admitted) {
            hub.gate().release(address);
        }
        try {
            handler.closed(this, status, reason);
        } finally {
            if (admitted) {
                hub.endHandled();
            }
        }
    }

    private static void joinQuietly(Thread reader) {
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the coordinator is stopping; the connection ends with it
        }
    }

    private static String remoteAddress(WsSession session) {
        SocketAddress peer = session.socketContext().remotePeer().address();
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }
}
