// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import dev.hearth.core.receipt.Ed25519;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.Capacity;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.Hello;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.protocol.Ping;
import dev.hearth.core.protocol.Pong;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import dev.hearth.core.protocol.Register;
import dev.hearth.core.protocol.Registered;
import dev.hearth.core.protocol.ResultAck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.security.GeneralSecurityException;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptSigner;
import dev.hearth.core.receipt.ResourceUsage;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated Hearth agent on a real WebSocket, speaking {@code hearth/1}: it answers the hello with a register
 * signed by its own Ed25519 key, heartbeats when {@link #heartbeat()} is called, and completes every job offer at
 * once with a valid {@code job_result} (empty logs, exit 0, both proof hashes, the lease epoch echoed, a signed
 * receipt). It runs no
 * container.
 *
 * <p>The heartbeat round trip is from the moment the heartbeat is queued for sending to the arrival of the
 * coordinator's {@code ack}; acks carry no id, so they are matched to heartbeats in order (the coordinator handles
 * one connection's messages in order). {@link WebSocket} allows one outstanding send per socket, so sends are
 * chained one after the other. Thread-safe.
 */
final class SimAgent implements WebSocket.Listener {

    private static final Capacity CAPACITY = new Capacity(4, 16.0, 64L << 30, List.of());

    private final int index;
    private final String token;
    private final SimCounters counters;
    private final KeyPair key;
    private final StringBuilder partial = new StringBuilder();
    private final Queue<Long> heartbeatsInFlight = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<String> registered = new CompletableFuture<>();
    private final AtomicLong completed = new AtomicLong();
    private final long startedNanos = System.nanoTime();
    private CompletableFuture<?> sends = CompletableFuture.completedFuture(null); // guarded by this
    private volatile WebSocket ws;
    private volatile String nodeId;
    private volatile boolean closing;

    SimAgent(int index, String token, SimCounters counters) {
        this.index = index;
        this.token = token;
        this.counters = counters;
        try {
            this.key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 key generator", e);
        }
    }

    /** Opens the connection; the future completes with the node id once {@code registered} arrives. */
    CompletableFuture<String> connect(HttpClient http, URI agentUri, Duration timeout) {
        http.newWebSocketBuilder().connectTimeout(timeout)
                .subprotocols(dev.hearth.core.protocol.Protocol.HEARTH_SUBPROTOCOL) // else no hello comes
                .buildAsync(agentUri, this)
                .whenComplete((w, e) -> {
                    if (e != null) {
                        registered.completeExceptionally(e);
                    }
                });
        return registered;
    }

    /** Sends one heartbeat, if registered; its ack's arrival is reported to the counters. */
    void heartbeat() {
        String id = nodeId;
        if (id == null || closing) {
            return;
        }
        Heartbeat h = new Heartbeat(id, Instant.now().toString(), new Heartbeat.Stats(completed.get(), 0,
                (System.nanoTime() - startedNanos) / 1_000_000_000L, 0, List.of()), "online", CAPACITY);
        String frame = ProtocolCodec.encode(h);
        long now = System.nanoTime();
        heartbeatsInFlight.add(now);
        counters.heartbeatSent(now);
        send(frame);
    }

    /** Closes the connection without reporting it as a disconnect. */
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
                counters.error("agent " + index + " could not handle '" + frame + "': " + e.getMessage());
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(CoordinatorMessage message) throws ProtocolException {
        switch (message) {
            case Hello h -> send(ProtocolCodec.encode(register(h.nonce())));
            case Registered r -> {
                nodeId = r.nodeId();
                registered.complete(r.nodeId());
            }
            case Ack a -> {
                Long sent = heartbeatsInFlight.poll();
                if (sent != null) {
                    counters.heartbeatAcked(sent, System.nanoTime());
                }
            }
            case JobOffer o -> complete(o);
            case ResultAck r -> counters.resultAcked(r.accepted());
            case ErrorMessage e -> {
                String text = "agent " + index + " got error " + e.code() + ": " + e.message();
                counters.error(text);
                registered.completeExceptionally(new IllegalStateException(text));
            }
            case JobCancel c -> { } // jobs complete at once, so there is never one to stop
            case Ping p -> send(ProtocolCodec.encode(new Pong()));
            case dev.hearth.core.protocol.InstanceCreate c -> { } // simulated nodes run no instances, and
            case dev.hearth.core.protocol.InstanceAction a -> { } // the benchmark never asks for any
        }
    }

    private Register register(String nonce) {
        String signature = Base64.getEncoder().encodeToString(Ed25519.sign(key.getPrivate(),
                Protocol.registrationChallenge(nonce)));
        HostInfo host = new HostInfo("sim-" + index, "Linux", "6.1.0", "x86_64", 16, 64L << 30, List.of("docker"),
                List.of(), "20.10.24", "hearth-bench agents-sim");
        return new Register(token, host, Protocol.HEARTH_V1,
                Base64.getEncoder().encodeToString(key.getPublic().getEncoded()), signature, CAPACITY, List.of());
    }

    private void complete(JobOffer offer) {
        counters.offered(offer.id(), System.nanoTime());
        Instant now = Instant.now();
        JobResult result = JobResult.of(offer.id(), JobStatus.COMPLETED, 0, offer.spec().image(), now, now, "", 0,
                false, null);
        completed.incrementAndGet();
        // signed as a real agent signs it: the coordinator refuses a Hearth node's result without a receipt
        Receipt receipt = JobWire.receipt(result, nodeId, offer.epoch(), offer.spec(),
                NodeKeys.fingerprint(key.getPublic()), null, ResourceUsage.UNKNOWN, List.of());
        send(ProtocolCodec.encode(JobWire.resultMessage(result, nodeId, offer.epoch())
                .withReceipt(receipt, ReceiptSigner.sign(receipt, key.getPrivate()))));
    }

    private synchronized void send(String frame) {
        // One send at a time per socket: each starts when the previous one has completed, failed or not.
        sends = sends.handle((v, e) -> null).thenCompose(v -> ws.sendText(frame, true)).whenComplete((w, e) -> {
            if (e != null && !closing) {
                counters.error("agent " + index + " send failed: " + e);
            }
        });
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        lost("closed by the coordinator: " + statusCode + " " + reason);
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
        String text = "agent " + index + (nodeId == null ? "" : " (node " + nodeId + ")") + " connection " + how;
        if (!registered.isDone()) {
            registered.completeExceptionally(new IllegalStateException(text));
        } else {
            counters.disconnected(text);
        }
    }
}
