// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import dev.hearth.core.protocol.AgentMessage;
import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;
import dev.hearth.core.protocol.Protocol;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's WebSocket to the coordinator, kept up for as long as the agent runs: it connects, hands every
 * message to the listener, and when the connection fails or ends it waits a {@link Backoff} delay and connects
 * again, forever. Sends are queued, since a JDK WebSocket allows one outstanding send, and a message split over
 * several frames is put back together. It offers the {@code hearth.v1} WebSocket subprotocol, so that the coordinator
 * greets it with a hello. It pings the coordinator every ping interval and treats a coordinator that sent nothing
 * (no pong, no message) for longer than the silence deadline as gone: it drops the connection and reconnects after
 * the backoff, as after any other failure. Thread-safe.
 */
public final class CoordinatorLink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How often the link pings the coordinator by default. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);
    /** How long the coordinator may stay silent, by default, before the link drops the connection. */
    public static final Duration DEFAULT_SILENCE_DEADLINE = Duration.ofSeconds(45);
    /** The most characters sent in one WebSocket frame; longer messages are fragmented. */
    static final int FRAGMENT_CHARS = 32 * 1024;
    /**
     * The most characters of one inbound message a Hearth link reads by default: a job offer carries its files inline
     * (the coordinator caps what it accepts at 4 MiB a frame, base64 grows it by a third), so this is generous; it
     * exists so that a hostile coordinator cannot grow the agent's heap without bound.
     */
    public static final int DEFAULT_MAX_MESSAGE_CHARS = 64 << 20;

    /** What the link reports to its owner. Calls come from the link's threads; none of them may block for long. */
    public interface Listener {

        /** A connection is open; the coordinator's hello follows. */
        void connected();

        /** A message arrived. */
        void received(CoordinatorMessage message);

        /** A message was handed to the open connection. */
        default void sent(AgentMessage message) {
        }

        /** The connection ended; a new one will be tried after {@code retryIn}. */
        void disconnected(String why, Duration retryIn);

        /**
         * A message could not be read: not JSON, not of a known shape, or longer than the link's cap (then only its
         * head was kept). The link has logged it already; {@code head} holds its {@code type} and {@code id} as far as
         * they could be read, so that the owner may answer it (a refused job, say).
         */
        default void unreadable(FrameHead head, String why) {
        }
    }

    private final java.util.List<URI> endpoints;
    /** The endpoint connected to, or tried next: an index into {@link #endpoints}. */
    private volatile int at;
    /** Connections ended or failed since the last one that worked (see {@link #connectionWorked()}). */
    private int failuresSinceWorked;
    private final Backoff backoff;
    private final Listener listener;
    private final HttpClient http;
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong pings = new AtomicLong();
    private final Object sendLock = new Object();
    private final Thread loop;
    private final Duration pingInterval;
    private final Duration silenceDeadline;
    private final ScheduledExecutorService pinger;
    private final java.util.List<String> subprotocols;
    private final int maxMessageChars;
    private volatile boolean closed;
    private volatile Connection current;

    /**
     * @param endpoint the coordinator's agent endpoint, {@code ws://host:port/v1/agent}
     * @param backoff reconnect delays
     * @param listener receives messages and connection changes
     */
    public CoordinatorLink(URI endpoint, Backoff backoff, Listener listener) {
        this(endpoint, backoff, listener, Optional.empty(), DEFAULT_PING_INTERVAL, DEFAULT_SILENCE_DEADLINE);
    }

    /**
     * As {@link #CoordinatorLink(URI, Backoff, Listener)}, trusting a {@code wss://} coordinator as {@code tls}
     * says (a pinned fingerprint or a CA file, see {@link #trust(Map)}); the JDK's CAs when empty.
     */
    public CoordinatorLink(URI endpoint, Backoff backoff, Listener listener, Optional<SSLContext> tls) {
        this(endpoint, backoff, listener, tls, DEFAULT_PING_INTERVAL, DEFAULT_SILENCE_DEADLINE);
    }

    /** As {@link #CoordinatorLink(URI, Backoff, Listener)}, with its own keepalive (tests shorten it). */
    public CoordinatorLink(URI endpoint, Backoff backoff, Listener listener, Duration pingInterval,
            Duration silenceDeadline) {
        this(endpoint, backoff, listener, Optional.empty(), pingInterval, silenceDeadline);
    }

    /**
     * @param endpoint the coordinator's agent endpoint, {@code ws://host:port/v1/agent} or {@code wss://...}
     * @param backoff reconnect delays
     * @param listener receives messages and connection changes
     * @param tls how a {@code wss://} coordinator is trusted (see {@link #trust(Map)}); the JDK's CAs when empty
     * @param pingInterval how often to ping the coordinator
     * @param silenceDeadline how long the coordinator may send nothing (no pong, no message) before the connection is
     *     dropped; longer than {@code pingInterval}
     */
    public CoordinatorLink(URI endpoint, Backoff backoff, Listener listener, Optional<SSLContext> tls,
            Duration pingInterval, Duration silenceDeadline) {
        this(endpoint, backoff, listener, tls, pingInterval, silenceDeadline,
                java.util.List.of(Protocol.HEARTH_SUBPROTOCOL), DEFAULT_MAX_MESSAGE_CHARS);
    }

    /**
     * As {@link #CoordinatorLink(URI, Backoff, Listener, Optional, Duration, Duration)}, offering other WebSocket
     * subprotocols (none for a Hypernode v2.0 backend, which greets with nothing) and reading at most
     * {@code maxMessageChars} characters of one inbound message: the rest of a longer one is discarded unread and
     * the listener hears of it through {@link Listener#unreadable}.
     */
    public CoordinatorLink(URI endpoint, Backoff backoff, Listener listener, Optional<SSLContext> tls,
            Duration pingInterval, Duration silenceDeadline, java.util.List<String> subprotocols,
            int maxMessageChars) {
        this(java.util.List.of(endpoint), backoff, listener, tls, pingInterval, silenceDeadline, subprotocols,
                maxMessageChars);
    }

    /**
     * As {@link #CoordinatorLink(URI, Backoff, Listener, Optional, Duration, Duration, java.util.List, int)}, with
     * several coordinators' endpoints (coordinators on one database): the first is tried first; when a connection
     * ends or cannot be made, the next in the list is tried after a random share of the backoff's base
     * ({@link Backoff#spread()}), and the link waits its full backoff only once every endpoint has failed since the
     * last connection that worked. So an agent whose coordinator dies moves to another
     * within a few seconds, while a network whose coordinators are all down is not dialled in a tight loop.
     */
    public CoordinatorLink(java.util.List<URI> endpoints, Backoff backoff, Listener listener,
            Optional<SSLContext> tls) {
        this(endpoints, backoff, listener, tls, DEFAULT_PING_INTERVAL, DEFAULT_SILENCE_DEADLINE,
                java.util.List.of(Protocol.HEARTH_SUBPROTOCOL), DEFAULT_MAX_MESSAGE_CHARS);
    }

    private CoordinatorLink(java.util.List<URI> endpoints, Backoff backoff, Listener listener,
            Optional<SSLContext> tls, Duration pingInterval, Duration silenceDeadline,
            java.util.List<String> subprotocols, int maxMessageChars) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a link needs at least one coordinator endpoint");
        }
        if (maxMessageChars < 1024) {
            throw new IllegalArgumentException("the inbound message cap must be at least 1024 characters, got "
                    + maxMessageChars);
        }
        this.subprotocols = java.util.List.copyOf(subprotocols);
        this.maxMessageChars = maxMessageChars;
        if (pingInterval.isNegative() || pingInterval.isZero() || silenceDeadline.compareTo(pingInterval) <= 0) {
            throw new IllegalArgumentException("the silence deadline (" + silenceDeadline + ") must be longer than "
                    + "the ping interval (" + pingInterval + "), which must be positive");
        }
        this.pingInterval = pingInterval;
        this.silenceDeadline = silenceDeadline;
        this.pinger = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hearth-link-ping").daemon().factory());
        this.endpoints = java.util.List.copyOf(endpoints);
        this.backoff = backoff;
        this.listener = listener;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        tls.ifPresent(http::sslContext);
        this.http = http.build();
        this.loop = Thread.ofPlatform().name("hearth-link").daemon().unstarted(this::run);
    }

    /**
     * The coordinator trust an environment names: {@code HEARTH_TLS_FINGERPRINT} (the SHA-256 of the coordinator's
     * certificate, pinned) or {@code HEARTH_TLS_CA} (a PEM CA file); empty for the JDK's CAs.
     *
     * @throws IOException when the CA file cannot be used
     * @throws dev.hearth.core.InvalidInputException when the fingerprint is malformed
     */
    public static Optional<SSLContext> trust(Map<String, String> env) throws IOException {
        String pin = env.get("HEARTH_TLS_FINGERPRINT");
        if (pin != null && !pin.isBlank()) {
            return Optional.of(CoordinatorTrust.pinned("HEARTH_TLS_FINGERPRINT", pin.strip()));
        }
        String ca = env.get("HEARTH_TLS_CA");
        if (ca != null && !ca.isBlank()) {
            return Optional.of(CoordinatorTrust.ca(Path.of(ca.strip())));
        }
        return Optional.empty();
    }

    /** The coordinator endpoint the link is connected to, or the one it tries next. */
    public URI endpoint() {
        return endpoints.get(at);
    }

    /** Starts connecting; returns at once. */
    public void start() {
        loop.start();
        long every = pingInterval.toMillis();
        pinger.scheduleAtFixedRate(this::keepAlive, every, every, TimeUnit.MILLISECONDS);
    }

    /** Pings an open connection, or drops it when the coordinator has been silent past the deadline. */
    private void keepAlive() {
        Connection c = current;
        if (c == null || c.ended.isDone()) {
            return;
        }
        long silentNanos = System.nanoTime() - c.lastHeardNanos;
        if (silentNanos > silenceDeadline.toNanos()) {
            abort("the coordinator sent nothing, not even a pong, for " + TimeUnit.NANOSECONDS.toMillis(silentNanos)
                    + " ms (the silence deadline is " + silenceDeadline.toMillis() + " ms)");
            return;
        }
        ping(c);
    }

    /** Queues a ping numbered by the link's counter on {@code c}; its number. */
    private long ping(Connection c) {
        long number = pings.incrementAndGet();
        ByteBuffer payload = ByteBuffer.wrap(Long.toString(number).getBytes(StandardCharsets.US_ASCII));
        synchronized (sendLock) {
            c.tail = c.tail.thenCompose(ws -> ws.sendPing(payload)).exceptionally(e -> {
                c.end("ping failed: " + rootMessage(e));
                return c.ws;
            });
        }
        return number;
    }

    /**
     * Queues a ping on the open connection now, behind everything sent before it. A peer answers pings in order, so
     * once {@link #lastPong()} reaches the number returned, the peer has read every message queued before the ping:
     * how a protocol without acknowledgements learns that a message arrived.
     *
     * @return the ping's number, or -1 when no connection is open
     */
    public long pingNow() {
        Connection c = current;
        return c == null || c.ended.isDone() ? -1 : ping(c);
    }

    /** The highest ping number the peer answered on the open connection; 0 when none (or no connection). */
    public long lastPong() {
        Connection c = current;
        return c == null ? 0 : c.lastPong;
    }

    /** Whether a connection is open now. */
    public boolean connected() {
        Connection c = current;
        return c != null && !c.ended.isDone();
    }

    /** Connection attempts after the first (a count of reconnects, for metrics). */
    public long reconnects() {
        return reconnects.get();
    }

    /** Starts the backoff again from its base: the connection proved good (the node registered). */
    public void connectionWorked() {
        synchronized (backoff) {
            backoff.reset();
            failuresSinceWorked = 0;
        }
    }

    /**
     * Queues a message on the open connection.
     *
     * @return false when no connection is open (the message is not sent; the caller keeps what it must resend)
     */
    public boolean send(AgentMessage message) {
        Connection c = current;
        if (c == null || c.ended.isDone()) {
            return false;
        }
        String text = ProtocolCodec.encode(message);
        synchronized (sendLock) {
            // Large messages go out in fragments: the coordinator caps single frames low, and answers a reassembled
            // message over its cap (a result too large) with an error rather than by closing the connection.
            int from = 0;
            do {
                int to = Math.min(text.length(), from + FRAGMENT_CHARS);
                if (to < text.length() && Character.isHighSurrogate(text.charAt(to - 1))) {
                    to--; // never split a surrogate pair
                }
                String part = text.substring(from, to);
                boolean last = to == text.length();
                c.backlog.addAndGet(part.length());
                c.tail = c.tail.thenCompose(ws -> ws.sendText(part, last))
                        .thenApply(ws -> {
                            c.backlog.addAndGet(-part.length());
                            return ws;
                        });
                from = to;
            } while (from < text.length());
            c.tail = c.tail.exceptionally(e -> {
                c.end("send failed: " + rootMessage(e));
                return c.ws;
            });
        }
        listener.sent(message);
        return true;
    }

    /**
     * Characters queued on the open connection and not yet sent (0 when none is open): senders of what may wait or be
     * dropped (live output) hold back while it is high, so a slow coordinator cannot grow the agent's heap.
     */
    public long backlogChars() {
        Connection c = current;
        return c == null || c.ended.isDone() ? 0 : c.backlog.get();
    }

    /** Drops the current connection (for example when the coordinator stopped answering); the link reconnects. */
    public void abort(String why) {
        Connection c = current;
        if (c != null) {
            log.warn("dropping the connection to {}: {}", endpoint(), why);
            c.ws.abort();
            c.end(why);
        }
    }

    /** Closes the connection politely and stops reconnecting. */
    @Override
    public void close() {
        closed = true;
        pinger.shutdownNow();
        loop.interrupt();
        Connection c = current;
        if (c != null) {
            try {
                synchronized (sendLock) {
                    c.tail = c.tail.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "agent stopping"));
                }
                c.tail.toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("close of the connection to {} did not complete: {}", endpoint(), e.getMessage());
            }
            c.ws.abort();
        }
        // Not http.close(): it waits for every exchange to end, and a dial still waiting on a silent coordinator's
        // handshake never does. shutdownNow cancels what is in flight; the wait for it is bounded.
        http.shutdownNow();
        try {
            if (!http.awaitTermination(Duration.ofSeconds(2))) {
                log.debug("the HTTP client of the link to {} did not stop within 2 s", endpoint());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean first = true;
        while (!closed) {
            String why;
            try {
                if (!first) {
                    reconnects.incrementAndGet();
                }
                first = false;
                why = connect().ended.get();
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                why = "cannot connect: " + rootMessage(e);
            }
            current = null;
            if (closed) {
                return;
            }
            Duration delay = nextEndpoint(why);
            listener.disconnected(why, delay);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Moves to the next endpoint after a connection to the current one ended or failed; how long to wait before
     * dialling it: a short spread while some endpoint has not failed since the last connection that worked, else the
     * backoff.
     */
    private Duration nextEndpoint(String why) {
        synchronized (backoff) {
            failuresSinceWorked++;
            URI from = endpoint();
            at = (at + 1) % endpoints.size();
            if (endpoints.size() > 1) {
                log.info("coordinator {}: {}; next: {}", from, why, endpoint());
            }
            return failuresSinceWorked % endpoints.size() != 0 ? backoff.spread() : backoff.next();
        }
    }

    private Connection connect() throws InterruptedException, ExecutionException {
        Connection c = new Connection();
        try {
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT);
            if (!subprotocols.isEmpty()) {
                builder.subprotocols(subprotocols.getFirst(),
                        subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
            }
            builder.buildAsync(endpoint(), c).get(CONNECT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            return c;
        } catch (TimeoutException e) {
            throw new ExecutionException("no answer within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** One WebSocket connection: its send queue, its frame reassembly and the future of its end. */
    private final class Connection implements WebSocket.Listener {

        private final CompletableFuture<String> ended = new CompletableFuture<>();
        /** Characters queued and not yet sent. */
        private final AtomicLong backlog = new AtomicLong();
        private final StringBuilder partial = new StringBuilder();
        /** Characters of the message being read that went past the cap and were dropped. */
        private long dropped;
        private volatile WebSocket ws;
        private CompletionStage<WebSocket> tail;
        private volatile long lastHeardNanos = System.nanoTime();
        /** The highest ping number answered on this connection. Written by the reading thread only. */
        private volatile long lastPong;

        void end(String why) {
            ended.complete(why);
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            // before any message is read, so that the answer to the coordinator's hello finds the link open
            ws = webSocket;
            lastHeardNanos = System.nanoTime();
            synchronized (sendLock) {
                tail = CompletableFuture.completedFuture(webSocket);
            }
            current = this;
            listener.connected();
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeardNanos = System.nanoTime();
            int room = maxMessageChars - partial.length();
            if (data.length() <= room) {
                partial.append(data);
            } else {
                partial.append(data, 0, Math.max(0, room));
                dropped += data.length() - Math.max(0, room);
            }
            if (last) {
                String frame = partial.toString();
                long over = dropped;
                partial.setLength(0);
                dropped = 0;
                try {
                    if (over > 0) {
                        String why = "a message of " + (frame.length() + over) + " characters is longer than the cap"
                                + " of " + maxMessageChars + " characters; it was discarded unread";
                        log.warn("ignored a message from {}: {}", endpoint(), why);
                        listener.unreadable(FrameHead.of(frame), why);
                    } else {
                        listener.received(ProtocolCodec.decodeCoordinatorMessage(frame));
                    }
                } catch (ProtocolException e) {
                    log.warn("ignored a message from the coordinator: {}", e.getMessage());
                    listener.unreadable(FrameHead.of(frame), e.getMessage());
                } catch (RuntimeException e) {
                    log.error("handling a message from the coordinator failed", e);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeardNanos = System.nanoTime();
            String text = StandardCharsets.US_ASCII.decode(message).toString();
            if (text.length() <= 19 && text.matches("[0-9]+")) {
                // a pong may also be unsolicited, carrying anything: never past the pings sent
                lastPong = Math.max(lastPong, Math.min(Long.parseLong(text), pings.get()));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastHeardNanos = System.nanoTime(); // the JDK answers it with a pong
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end("closed by the coordinator (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason)
                    + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end("connection failed: " + rootMessage(error));
        }
    }
}
