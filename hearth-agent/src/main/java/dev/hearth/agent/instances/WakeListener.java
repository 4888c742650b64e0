// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a paused instance's loopback port (scale to zero): the first connection wakes the instance
 * ({@link Waker#wake}, which resumes its guest and says where its service is), and every connection, held open
 * meanwhile, is then spliced through to the service, the connection retried until the service accepts or the
 * connect limit passes. Listens on 127.0.0.1 only. Closing it stops listening; connections already spliced run
 * on until either side ends them. Thread-safe.
 */
final class WakeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WakeListener.class);
    private static final Duration RETRY = Duration.ofMillis(20);

    /** Wakes the instance behind the port; called for each connection, so it must be quick once woken. */
    interface Waker {
        /** Resumes the instance (once) and returns its service's address. */
        InetSocketAddress wake() throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Waker waker;
    private final Duration connectLimit;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();

    private WakeListener(ServerSocket server, Waker waker, Duration connectLimit) {
        this.server = server;
        this.waker = waker;
        this.connectLimit = connectLimit;
    }

    /**
     * Listens on {@code 127.0.0.1:port} for the instance {@code waker} wakes, splicing each connection once the
     * service accepts (within {@code connectLimit} of the wake).
     */
    static WakeListener start(int port, Waker waker, Duration connectLimit) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        WakeListener w = new WakeListener(server, waker, connectLimit);
        // A platform thread: close() of a socket a virtual thread waits on in accept only wakes that thread, which
        // closes the socket when it runs, so the port would stay bound a moment after close() for the resumed
        // instance; a platform thread's socket is closed before close() returns.
        Thread.ofPlatform().daemon().name("wake-" + w.port()).start(w::acceptLoop);
        return w;
    }

    /** The port it listens on. */
    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    long accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            open.add(client);
            Thread.ofVirtual().name("wake-conn-" + server.getLocalPort()).start(() -> serve(client));
        }
    }

    private void serve(Socket client) {
        Socket target = null;
        try {
            InetSocketAddress to = waker.wake();
            target = connect(to);
            open.add(target);
            Socket t = target;
            Thread back = Thread.ofVirtual().start(() -> copy(t, client));
            copy(client, t);
            back.join();
        } catch (IOException e) {
            log.warn("a connection to 127.0.0.1:{} could not be woken through: {}", server.getLocalPort(),
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            closeQuietly(target);
        }
    }

    /** Connects to the service, retrying while the resumed guest's network comes back. */
    private Socket connect(InetSocketAddress to) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + connectLimit.toNanos();
        IOException last;
        do {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(to.getHostString(), to.getPort()), 1000);
                return s;
            } catch (IOException e) {
                last = e;
                s.close();
            }
            Thread.sleep(RETRY.toMillis());
        } while (System.nanoTime() < deadline);
        throw new IOException("the woken service at " + to.getHostString() + ":" + to.getPort()
                + " did not accept within " + connectLimit + ": " + last.getMessage(), last);
    }

    /** Copies until {@code from} ends, then half-closes {@code to}. */
    private static void copy(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            to.shutdownOutput();
        } catch (IOException e) {
            // one side went away: the finally of serve closes both
        }
    }

    private void closeQuietly(Socket s) {
        if (s != null) {
            open.remove(s);
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing a woken connection failed: {}", e.getMessage());
            }
        }
    }

    /** Stops listening; spliced connections run on. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the wake listener on {} failed: {}", server.getLocalPort(), e.getMessage());
        }
    }
}
