// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 proxy in front of a real coordinator that loses the answer to the first {@code POST /v1/jobs}:
 * it forwards the request (so the coordinator makes the job), reads the answer, and closes the client's connection
 * without sending it, as a network that drops a connection at the worst moment does. Every other request passes.
 * One request per connection ({@code Connection: close} upstream). Closed with {@link #close()}.
 */
final class FlakyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstream;
    private final AtomicInteger dropsLeft = new AtomicInteger(1);
    private final AtomicInteger submits = new AtomicInteger();

    FlakyProxy(int upstreamPort) throws IOException {
        this.upstream = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "flaky-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** How many {@code POST /v1/jobs} requests reached the proxy. */
    int submits() {
        return submits.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "flaky-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; Socket up = new Socket(InetAddress.getLoopbackAddress(), upstream)) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            long length = 0;
            StringBuilder forwarded = new StringBuilder();
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("connection:")) {
                    continue;
                }
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
                forwarded.append(line).append("\r\n");
            }
            forwarded.append("Connection: close\r\n\r\n");
            OutputStream toUp = up.getOutputStream();
            toUp.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
            byte[] buffer = new byte[1 << 16];
            for (long left = length; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    return;
                }
                toUp.write(buffer, 0, n);
                left -= n;
            }
            toUp.flush();
            boolean submit = head.startsWith("POST /v1/jobs ");
            if (submit) {
                submits.incrementAndGet();
            }
            if (submit && dropsLeft.getAndDecrement() > 0) {
                // the job is made; its answer is read whole (the coordinator may keep the connection) and lost
                String answer = readHead(up.getInputStream());
                long answerLength = answer == null ? 0 : answer.lines()
                        .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElse(0);
                up.getInputStream().readNBytes((int) answerLength);
                return;
            }
            up.getInputStream().transferTo(client.getOutputStream());
        } catch (IOException e) {
            // a connection the client gave up: nothing to do
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; (c = in.read()) >= 0; ) {
            b.write(c);
            matched = (c == '\r' || c == '\n') ? matched + 1 : 0;
            if (matched == 4) {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
