package dev.hearth.coordinator.hub;

import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Hello;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.ProtocolCodec;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * One agent's WebSocket connection: reassembles fragmented frames under the size cap, sends the hello nonce, and
 * hands whole messages to the {@link MessageHandler}. A registered node's {@code job_result} over the cap is answered
 * with {@code result_too_large} and the rest of it skipped, so the node's outbox moves on; any other oversize message
 * closes the connection. Helidon calls it from the connection's own virtual thread, in
 * order, so its fields need no locking; sends go through {@link NodeSession} once registered.
 */
final class AgentConnection implements WsListener {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final MessageHandler handler;
    private final StringBuilder partial = new StringBuilder();
    private String nonce;
    private WsSession ws;
    private NodeSession node;
    private volatile boolean refusedOversize;
    private boolean skippingResult;
    /** How much of an oversize message is kept to learn whether it is a result, and of which job. */
    private static final int PREFIX_CHARS = 4096;

    AgentConnection(MessageHandler handler) {
        this.handler = handler;
    }

    @Override
    public void onOpen(WsSession session) {
        ws = session;
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sendRaw(new Hello(nonce, List.of(Protocol.HEARTH_V1, Protocol.HYPERNODE_V2)));
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (refusedOversize) {
            return; // the rest of a refused message, arriving before the close completes
        }
        if (skippingResult) {
            skippingResult = !last; // the rest of a result answered with result_too_large
            return;
        }
        if (partial.length() + text.length() > handler.maxFrameBytes()) {
            String prefix = partial.length() > 0 ? partial.substring(0, Math.min(partial.length(), PREFIX_CHARS))
                    : text.substring(0, Math.min(text.length(), PREFIX_CHARS));
            partial.setLength(0);
            if (handler.resultTooLarge(this, prefix)) {
                skippingResult = !last; // answered; the connection stays, the rest of the message is discarded
                return;
            }
            refusedOversize = true;
            handler.frameTooLarge(node);
            sendRaw(ErrorMessage.of(ErrorCode.FRAME_TOO_LARGE, "message larger than " + handler.maxFrameBytes()
                    + " bytes refused"));
            session.close(1009, "message too large");
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

    @Override
    public void onClose(WsSession session, int status, String reason) {
        handler.closed(this, status, reason);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        handler.closed(this, 1011, String.valueOf(t.getMessage()));
    }

    String nonce() {
        return nonce;
    }

    NodeSession node() {
        return node;
    }

    /** Binds this connection to a registered node and returns its session. */
    NodeSession register(String nodeId, boolean hearth, dev.hearth.core.protocol.Capacity capacity,
            List<dev.hearth.coordinator.store.GpuInfo> gpus) {
        node = new NodeSession(nodeId, hearth, capacity, gpus, ws);
        return node;
    }

    /** Sends before or without registration (hello, errors); serialised with the node session's sends. */
    void sendRaw(dev.hearth.core.protocol.CoordinatorMessage message) {
        if (node != null) {
            node.send(message);
            return;
        }
        try {
            ws.send(ProtocolCodec.encode(message), true);
        } catch (RuntimeException e) {
            // the peer went away; its close callback settles the rest
        }
    }

    void close(int code, String reason) {
        try {
            ws.close(code, reason);
        } catch (RuntimeException alreadyClosed) {
            // closed by the peer in the meantime
        }
    }
}
