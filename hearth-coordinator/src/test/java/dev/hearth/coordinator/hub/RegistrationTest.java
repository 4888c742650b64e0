// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.Store;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.Register;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.websocket.WsSession;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration against a real SQLite store, on connections whose WebSocket is a recorder: the order in which a
 * re-registering node's claims and connections change hands, which no timing of a real socket can pin down.
 */
@DisplayName("A node's connection against a real store: registering again, and a store that fails")
class RegistrationTest {

    @TempDir
    Path dir;
    private Store store;
    private AgentHub hub;
    private MessageHandler handler;
    private Registration registration;
    private dev.hearth.coordinator.CoordinatorMetrics metrics;

    @BeforeEach
    void coordinator() {
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        // what registration does not touch (live logs, the oracle's queue) is left out
        metrics = new dev.hearth.coordinator.CoordinatorMetrics();
        handler = new MessageHandler(store, () -> { }, metrics, InstantSource.system(), 64 * 1024, 10, null, null);
        hub = new AgentHub(handler);
        registration = new Registration(store, InstantSource.system(), 10);
    }

    @AfterEach
    void close() {
        metrics.close();
        store.close();
    }

    @Test
    @DisplayName("its older connection, still open, takes no offers from when its claims reach the scheduler; the "
            + "newer one takes them after, and the older one is closed")
    void olderConnectionRetiredFirst() throws Exception {
        String token = store.createToken("test", Duration.ofHours(1)).plaintext();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Recorder oldWs = new Recorder();
        AgentConnection older = open(oldWs);
        NodeSession first = registration.register(older, register(token, key, older.nonce()), hub, LeaseClaims.NONE)
                .orElseThrow();
        assertThat(hub.session(first.nodeId())).containsSame(first);

        AgentConnection newer = open(new Recorder());
        List<Optional<NodeSession>> offeredTo = new ArrayList<>();
        NodeSession second = registration.register(newer, register(token, key, newer.nonce()), hub,
                (nodeId, held, grantedBy) -> offeredTo.add(hub.session(nodeId))).orElseThrow();

        assertThat(offeredTo).as("where a scheduler pass during the hand-over would send offers")
                .containsExactly(Optional.empty());
        assertThat(hub.session(second.nodeId())).containsSame(second);
        assertThat(first.send(new dev.hearth.core.protocol.Ack())).isFalse();
        awaitWriter(() -> oldWs.closedWith != 0); // the close frame goes out on the connection's writer thread
        assertThat(oldWs.closedWith).isEqualTo(4000);
    }

    @Test
    @DisplayName("a well-formed message the store cannot handle is answered unavailable (not invalid_message), "
            + "without the store's detail, and the connection stays open")
    void storeFailureIsUnavailable() throws Exception {
        Recorder ws = new Recorder();
        AgentConnection conn = registered(ws);
        // a real failure of the real store: its jobs table is gone from under it
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("hearth.db"));
                java.sql.Statement s = c.createStatement()) {
            s.execute("ALTER TABLE jobs RENAME TO jobs_gone");
        }
        handler.handle(conn, "{\"type\":\"job_started\",\"jobId\":\"j1\",\"epoch\":1}");
        awaitWriter(() -> ws.sent.stream().anyMatch(t -> t.contains("\"error\"")));
        String error = ws.sent.stream().filter(t -> t.contains("\"error\"")).findFirst().orElseThrow();
        assertThat(error).contains("\"code\":\"unavailable\"").contains("send it again later")
                .doesNotContain("jobs").doesNotContain("SQL");
        assertThat(ws.closedWith).isZero();
    }

    @Test
    @DisplayName("a heartbeat is answered at once while the node's earlier message waits for the store's writer, "
            + "which then handles it in order")
    void heartbeatDoesNotWaitForTheStore() throws Exception {
        Recorder ws = new Recorder();
        AgentConnection conn = registered(ws);
        NodeSession node = conn.node();
        handler.attach(new Heartbeats(store)); // as the coordinator runs: heartbeats buffered, flushed by the scheduler
        // another process holds the database's write lock: the coordinator's next write waits its busy timeout
        try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:"
                + dir.resolve("hearth.db")); java.sql.Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            handler.handle(conn, "{\"type\":\"job_started\",\"jobId\":\"j1\",\"epoch\":1}"); // a write
            handler.handle(conn, "{\"type\":\"heartbeat\",\"nodeId\":\"" + node.nodeId() + "\"}");
            awaitWriter(() -> ws.sent.stream().anyMatch(t -> t.contains("\"type\":\"ack\"")));
            assertThat(ws.sent).as("the heartbeat's ack, with the job_started still waiting")
                    .anyMatch(t -> t.contains("\"type\":\"ack\"")).noneMatch(t -> t.contains("job_cancel"));
            s.execute("ROLLBACK");
        }
        // the waiting job_started goes on: j1 is no lease of this node, so it is told to drop it
        awaitWriter(() -> ws.sent.stream().anyMatch(t -> t.contains("job_cancel")));
        assertThat(ws.sent).anyMatch(t -> t.contains("job_cancel") && t.contains("j1"));
    }

    /** Waits up to 5 s for what the connection's writer thread does (its frames go out there). */
    private static void awaitWriter(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** A connection on {@code ws} of a new node, registered with a fresh token and key. */
    private AgentConnection registered(Recorder ws) throws Exception {
        AgentConnection conn = open(ws);
        registration.register(conn, register(store.createToken("test", Duration.ofHours(1)).plaintext(),
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), conn.nonce()), hub, LeaseClaims.NONE)
                .orElseThrow();
        return conn;
    }

    private AgentConnection open(Recorder ws) {
        AgentConnection c = new AgentConnection(handler, hub);
        c.onHttpUpgrade(null, io.helidon.http.WritableHeaders.create()
                .add(io.helidon.http.HeaderValues.create("Sec-WebSocket-Protocol", Protocol.HEARTH_SUBPROTOCOL)));
        c.onOpen(ws);
        return c;
    }

    private static Register register(String token, KeyPair key, String nonce) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(Protocol.registrationChallenge(nonce));
        return (Register) ProtocolCodec.decodeAgentMessage("{\"type\":\"register\",\"token\":\"" + token
                + "\",\"protocol\":\"hearth/1\",\"nodeKey\":\"" + Base64.getEncoder().encodeToString(
                        key.getPublic().getEncoded()) + "\",\"signature\":\"" + Base64.getEncoder().encodeToString(
                        s.sign()) + "\",\"hostInfo\":{\"hostname\":\"h\",\"cpus\":2,\"memory_bytes\":1073741824},"
                + "\"capacity\":{\"slots\":1,\"cpus\":1.0,\"memory_bytes\":1073741824,\"gpus\":[]},\"held\":[]}");
    }

    /** A WebSocket that keeps what is done to it. */
    private static final class Recorder implements WsSession {
        final List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile int closedWith;

        @Override
        public WsSession send(String text, boolean last) {
            sent.add(text);
            return this;
        }

        @Override
        public WsSession send(BufferData bytes, boolean last) {
            return this;
        }

        @Override
        public WsSession ping(BufferData bytes) {
            return this;
        }

        @Override
        public WsSession pong(BufferData bytes) {
            return this;
        }

        @Override
        public WsSession close(int code, String reason) {
            closedWith = code;
            return this;
        }

        @Override
        public WsSession terminate() {
            return this;
        }

        @Override
        public SocketContext socketContext() {
            return new SocketContext() {
                @Override
                public io.helidon.common.socket.PeerInfo remotePeer() {
                    return new io.helidon.common.socket.PeerInfo() {
                        @Override
                        public java.net.SocketAddress address() {
                            return new java.net.InetSocketAddress("127.0.0.1", 40000);
                        }

                        @Override
                        public String host() {
                            return "127.0.0.1";
                        }

                        @Override
                        public int port() {
                            return 40000;
                        }

                        @Override
                        public Optional<java.security.Principal> tlsPrincipal() {
                            return Optional.empty();
                        }

                        @Override
                        public Optional<java.security.cert.Certificate[]> tlsCertificates() {
                            return Optional.empty();
                        }
                    };
                }

                @Override
                public io.helidon.common.socket.PeerInfo localPeer() {
                    return remotePeer();
                }

                @Override
                public boolean isSecure() {
                    return false;
                }

                @Override
                public String socketId() {
                    return "recorder";
                }

                @Override
                public String childSocketId() {
                    return "recorder";
                }
            };
        }
    }
}
