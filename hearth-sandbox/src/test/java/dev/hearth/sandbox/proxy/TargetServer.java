// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A real TCP server on loopback for the proxy to forward to, standing in for a guest's service. */
final class TargetServer implements AutoCloseable {

    /** What the server does with one connection. */
    interface Behaviour {
        void serve(Socket s) throws Exception;
    }

    private final ServerSocket server;

    private TargetServer(Behaviour behaviour) throws IOException {
        server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            behaviour.serve(s);
                        } catch (Exception e) {
                            // The client went away; the test sees that on its side.
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Echoes everything back; when the client half-closes, finishes and half-closes too. */
    static TargetServer echo() throws IOException {
        return new TargetServer(s -> {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        });
    }

    /**
     * Reads until the client half-closes, and only then answers with the byte count and SHA-256 of what it read:
     * an answer can only arrive if the proxy passed the half-close on and kept the other direction open.
     */
    static TargetServer digestAfterEof() throws IOException {
        return new TargetServer(s -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            long count = 0;
            for (int n; (n = in.read(buf)) >= 0;) {
                sha.update(buf, 0, n);
                count += n;
            }
            OutputStream out = s.getOutputStream();
            out.write((count + " " + HexFormat.of().formatHex(sha.digest())).getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
        });
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
