// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.LongAdder;

/**
 * One client connection and its connection to the target, copied both ways at once. Half-close aware: when one
 * side finishes sending (EOF), the proxy shuts down output towards the other side and keeps copying the other
 * direction until it too ends; only then are both sockets closed. An error in either direction closes both.
 * {@link #abort()} may be called from any thread.
 */
final class ProxiedConnection {

    private static final int BUFFER = 64 * 1024;

    private final Socket client;
    private final Socket target;

    ProxiedConnection(Socket client, Socket target) {
        this.client = client;
        this.target = target;
    }

    /**
     * Copies both directions, the client-to-target one on a new virtual thread and the other on the caller's, and
     * returns when both have ended; both sockets are closed on return.
     */
    void run(LongAdder toTarget, LongAdder fromTarget) {
        Thread upstream = Thread.ofVirtual().name("proxy-up-" + client.getPort()).start(() -> pump(client, target, toTarget));
        pump(target, client, fromTarget);
        try {
            upstream.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            abort();
        }
    }

    /** Closes both sockets, ending both directions at once. */
    void abort() {
        closeQuietly(client);
        closeQuietly(target);
    }

    private void pump(Socket from, Socket to, LongAdder counter) {
        byte[] buffer = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0;) {
                out.write(buffer, 0, n);
                counter.add(n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // A reset or a closed socket on either side ends the whole connection, not just this direction.
            abort();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing is best effort: the socket is unusable either way and the peer sees the connection end.
        }
    }
}
