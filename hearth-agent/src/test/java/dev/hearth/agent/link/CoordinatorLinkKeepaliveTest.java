// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.protocol.CoordinatorMessage;
import dev.hearth.core.protocol.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The link against a coordinator that accepts the WebSocket and then never answers anything (no pong, no message),
 * as a hung coordinator or a half-open connection behind a NAT looks: a tiny in-process server that does the RFC 6455
 * handshake and then only reads.
 */
@DisplayName("The agent's link to a silent coordinator")
class CoordinatorLinkKeepaliveTest {

    @Test
    @DisplayName("pings it, drops the connection once it has been silent past the deadline, and reconnects")
    void silentCoordinatorIsDroppedAndRedialled() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        BlockingQueue<String> offered = new LinkedBlockingQueue<>();
        BlockingQueue<String> disconnects = new LinkedBlockingQueue<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> acceptSilently(server, accepted, offered));
            CoordinatorLink link = new CoordinatorLink(
                    URI.create("ws://127.0.0.1:" + server.getLocalPort() + Protocol.AGENT_PATH),
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(100), () -> 0.5), new CoordinatorLink.Listener() {
                        @Override
                        public void connected() {
                        }

                        @Override
                        public void received(CoordinatorMessage message) {
                        }

                        @Override
                        public void disconnected(String why, Duration retryIn) {
                            disconnects.add(why);
                        }
                    }, Duration.ofMillis(200), Duration.ofMillis(800));
            try {
                link.start();
                String why = disconnects.poll(10, TimeUnit.SECONDS);
                assertThat(why).as("the link gave up on the silent coordinator").isNotNull()
                        .contains("sent nothing, not even a pong");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (accepted.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(accepted).as("connections the coordinator accepted").hasSizeGreaterThanOrEqualTo(2);
                assertThat(link.reconnects()).isGreaterThanOrEqualTo(1);
                assertThat(offered.poll(1, TimeUnit.SECONDS)).as("the subprotocol it offered")
                        .isEqualTo(Protocol.HEARTH_SUBPROTOCOL);
            } finally {
                link.close();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** Accepts each connection, completes the handshake, and then reads (and drops) what comes, answering nothing. */
    private static void acceptSilently(ServerSocket server, List<Socket> accepted, BlockingQueue<String> offered) {
        try {
            while (true) {
                Socket s = server.accept();
                accepted.add(s);
                Thread.ofVirtual().start(() -> {
                    try {
                        String request = headers(s.getInputStream());
                        String key = header(request, "sec-websocket-key");
                        String protocol = header(request, "sec-websocket-protocol");
                        offered.add(protocol == null ? "" : protocol);
                        String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                        .getBytes(StandardCharsets.US_ASCII)));
                        s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n"
                                + (protocol == null ? "" : "Sec-WebSocket-Protocol: " + Protocol.HEARTH_SUBPROTOCOL
                                        + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException | java.security.GeneralSecurityException e) {
                        // the link dropped the socket: what this test waits for
                    }
                });
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    private static String headers(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the client hung up during the handshake");
            }
            b.append((char) c);
        }
        return b.toString();
    }

    private static String header(String request, String name) {
        for (String line : request.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }
}
