// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The wake listener with real loopback sockets; the "guest" is an echo server the waker starts. */
@DisplayName("The wake listener holds a connection, wakes the instance once per call, and splices through")
class WakeListenerTest {

    @Test
    @DisplayName("a connection made while the service is down is held, answered once the waker started it, and "
            + "half-closes through; the listener is on loopback only")
    void holdsAndSplices() throws Exception {
        ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int echoPort = echo.getLocalPort();
        echo.close(); // down until woken
        AtomicInteger wakes = new AtomicInteger();
        ServerSocket[] started = new ServerSocket[1];
        WakeListener.Waker waker = () -> {
            synchronized (started) {
                if (started[0] == null) {
                    wakes.incrementAndGet();
                    Thread.sleep(300); // a resume takes a while; the client's connection waits
                    started[0] = new ServerSocket(echoPort, 50, InetAddress.getLoopbackAddress());
                    Thread.ofVirtual().start(() -> serveEcho(started[0]));
                }
            }
            return InetSocketAddress.createUnresolved("127.0.0.1", echoPort);
        };
        try (WakeListener w = WakeListener.start(0, waker, Duration.ofSeconds(10))) {
            for (int i = 0; i < 2; i++) {
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), w.port())) {
                    c.getOutputStream().write(("hello " + i).getBytes(StandardCharsets.UTF_8));
                    c.shutdownOutput();
                    assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("hello " + i);
                }
            }
            assertThat(wakes).hasValue(1);
            assertThat(w.accepted()).isEqualTo(2);
        } finally {
            started[0].close();
        }
    }

    @Test
    @DisplayName("a waker that fails closes the held connection; after close nothing listens on the port")
    void failedWake() throws Exception {
        WakeListener w = WakeListener.start(0, () -> {
            throw new InstanceException("instance 'x' is stopped, not paused");
        }, Duration.ofSeconds(1));
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), w.port())) {
            c.setSoTimeout(5000);
            assertThat(c.getInputStream().read()).as("closed, no answer").isEqualTo(-1);
        }
        int port = w.port();
        w.close();
        // Counted at close, not before: another test's leftover dialer may reach any free port now and then. A
        // connect that succeeds proves nothing either (another listener may take the freed port at once, or Linux
        // may connect the socket to itself): what matters is that the closed listener accepts no more connections.
        long atClose = w.accepted();
        try (Socket after = new Socket(InetAddress.getLoopbackAddress(), port)) {
            after.setSoTimeout(300);
            try {
                after.getInputStream().read();
            } catch (java.net.SocketTimeoutException e) {
                // whoever listens there now keeps it open; the wake listener would have closed it (its waker fails)
            }
        } catch (java.net.ConnectException expected) {
            // refused: nothing listens
        }
        assertThat(w.accepted()).as("the closed listener accepts nothing").isEqualTo(atClose);
    }

    private static void serveEcho(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                return;
            }
        }
    }
}
