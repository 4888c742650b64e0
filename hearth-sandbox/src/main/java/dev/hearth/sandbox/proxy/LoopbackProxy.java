// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.proxy;

import dev.hearth.core.InvalidInputException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy from {@code 127.0.0.1:<port>} to a target (a guest's address and service port), what fireclaw did
 * with {@code socat TCP-LISTEN:<port>,bind=127.0.0.1,fork}. It listens on loopback only and refuses to be asked
 * otherwise, so a guest's service is reachable from the host and nowhere else. Each connection is copied both ways on
 * virtual threads, half-close aware; a target that cannot be reached closes the client's connection at once (and
 * is logged). {@link #close()} stops listening and ends every open connection. Thread-safe.
 */
public final class LoopbackProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoopbackProxy.class);
    /** The only address the proxy listens on. */
    public static final String LOOPBACK = "127.0.0.1";

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Duration connectTimeout;
    private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final LongAdder toTarget = new LongAdder();
    private final LongAdder fromTarget = new LongAdder();
    private final Thread acceptor;
    /** The log fields of the thread that opened it (e.g. the instance's id), given to its own threads' lines. */
    private final java.util.Map<String, String> fields;
    private volatile boolean closed;

    private LoopbackProxy(ServerSocket server, InetSocketAddress target, Duration connectTimeout) {
        this.server = server;
        this.target = target;
        this.connectTimeout = connectTimeout;
        java.util.Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap();
        this.fields = mdc == null ? java.util.Map.of() : java.util.Map.copyOf(mdc);
        this.acceptor = Thread.ofVirtual().name("proxy-accept-" + server.getLocalPort())
                .start(() -> withFields(this::acceptLoop));
    }

    /**
     * Starts a proxy listening on {@code listenAddress:listenPort} (port 0 for an ephemeral one) that forwards to
     * {@code targetHost:targetPort}.
     *
     * @param listenAddress must be {@value #LOOPBACK}
     * @param connectTimeout how long to try reaching the target for each client
     * @throws InvalidInputException naming the field for a non-loopback address or a port out of range
     * @throws IOException when the port cannot be bound (say, already in use), naming it
     */
    public static LoopbackProxy start(String listenAddress, int listenPort, String targetHost, int targetPort,
            Duration connectTimeout) throws IOException {
        if (!LOOPBACK.equals(listenAddress)) {
            throw new InvalidInputException("proxy listen address", listenAddress,
                    LOOPBACK + " only: a guest's port is published to this host's loopback and nowhere else");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new InvalidInputException("proxy listen port", Integer.toString(listenPort),
                    "0 (any free port) or 1..65535");
        }
        if (targetHost == null || targetHost.isBlank()) {
            throw new InvalidInputException("proxy target host", targetHost, "the guest's address, such as 172.16.0.2");
        }
        if (targetPort < 1 || targetPort > 65535) {
            throw new InvalidInputException("proxy target port", Integer.toString(targetPort), "1..65535");
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new InvalidInputException("proxy connect timeout", String.valueOf(connectTimeout), "a positive duration");
        }
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), listenPort), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + LOOPBACK + ":" + listenPort + ": " + e.getMessage(), e);
        }
        LoopbackProxy proxy = new LoopbackProxy(server, InetSocketAddress.createUnresolved(targetHost, targetPort),
                connectTimeout);
        log.info("proxy {}:{} -> {}:{}", LOOPBACK, proxy.port(), targetHost, targetPort);
        return proxy;
    }

    /** A proxy on an ephemeral loopback port with a 5 s connect timeout. */
    public static LoopbackProxy start(String targetHost, int targetPort) throws IOException {
        return start(LOOPBACK, 0, targetHost, targetPort, Duration.ofSeconds(5));
    }

    /** The loopback port it listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** Where it forwards to. */
    public InetSocketAddress target() {
        return target;
    }

    /** Its counters now. */
    public ProxyMetrics metrics() {
        return new ProxyMetrics(accepted.get(), open.size(), failed.get(), toTarget.sum(), fromTarget.sum());
    }

    /**
     * Stops listening and ends every open connection, returning once their threads have finished (each is given
     * up to 5 s, though closing its sockets ends it at once); idempotent.
     */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.warn("closing the proxy's listening socket on port {}: {}", port(), e.getMessage());
        }
        open.forEach(ProxiedConnection::abort);
        try {
            acceptor.join(Duration.ofSeconds(5));
            for (Thread worker : workers) {
                worker.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void withFields(Runnable work) {
        org.slf4j.MDC.setContextMap(fields);
        try {
            work.run();
        } finally {
            org.slf4j.MDC.clear();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                Thread worker = Thread.ofVirtual().name("proxy-conn-" + client.getPort())
                        .unstarted(() -> withFields(() -> serve(client)));
                workers.add(worker);
                worker.start();
            } catch (SocketException e) {
                if (!closed) {
                    log.error("proxy on port {} stopped accepting: {}", port(), e.getMessage(), e);
                }
                return;
            } catch (IOException e) {
                log.warn("proxy on port {}: accept failed: {}", port(), e.getMessage());
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = new Socket();
        ProxiedConnection connection = new ProxiedConnection(client, upstream);
        open.add(connection);
        try {
            if (closed) {
                return;
            }
            try {
                upstream.connect(new InetSocketAddress(target.getHostString(), target.getPort()),
                        (int) connectTimeout.toMillis());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                if (closed) {
                    return; // close() ended the attempt; nothing failed
                }
                failed.incrementAndGet();
                log.warn("proxy {}:{} -> {}:{}: cannot reach the target ({}); closing the client's connection",
                        LOOPBACK, port(), target.getHostString(), target.getPort(), e.getMessage());
                return;
            }
            if (!closed) {
                connection.run(toTarget, fromTarget);
            }
        } finally {
            connection.abort();
            open.remove(connection);
            workers.remove(Thread.currentThread());
        }
    }
}
