// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hearth.core.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@DisplayName("LoopbackProxy, against real sockets on loopback")
class LoopbackProxyTest {

    @Test
    @DisplayName("listens on 127.0.0.1 only and refuses any other address or a port out of range, naming the field")
    void loopbackOnly() {
        assertThatThrownBy(() -> LoopbackProxy.start("0.0.0.0", 0, "127.0.0.1", 80, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("proxy listen address '0.0.0.0'")
                .hasMessageContaining("127.0.0.1 only");
        assertThatThrownBy(() -> LoopbackProxy.start("::1", 0, "127.0.0.1", 80, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'::1'");
        assertThatThrownBy(() -> LoopbackProxy.start("127.0.0.1", 70000, "127.0.0.1", 80, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("proxy listen port '70000'");
        assertThatThrownBy(() -> LoopbackProxy.start("127.0.0.1", 0, "127.0.0.1", 0, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("proxy target port '0'");
    }

    @Test
    @DisplayName("a half-close reaches the target, whose answer still comes back over the open direction")
    void halfClose() throws Exception {
        try (TargetServer target = TargetServer.digestAfterEof();
                LoopbackProxy proxy = LoopbackProxy.start("127.0.0.1", target.port())) {
            try (Socket s = connect(proxy)) {
                assertThat(s.getLocalAddress().isLoopbackAddress()).isTrue();
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();

                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

                assertThat(answer).isEqualTo("5 " + sha256("hello".getBytes(StandardCharsets.US_ASCII)));
            }
        }
    }

    @Test
    @DisplayName("a large transfer in both directions at once arrives whole (checksums match) and is counted")
    void largeFullDuplexTransfer() throws Exception {
        byte[] data = new byte[48 * 1024 * 1024];
        new Random(42).nextBytes(data);
        try (TargetServer echo = TargetServer.echo(); LoopbackProxy proxy = LoopbackProxy.start("127.0.0.1", echo.port());
                Socket s = connect(proxy)) {
            // Write and read at once: the echo could not hold 48 MiB if the proxy copied one direction at a time.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            byte[] back = s.getInputStream().readAllBytes();
            writer.join();

            assertThat(back.length).isEqualTo(data.length);
            assertThat(sha256(back)).isEqualTo(sha256(data));
            awaitTrue(() -> proxy.metrics().bytesFromTarget() == data.length);
            assertThat(proxy.metrics().bytesToTarget()).isEqualTo(data.length);
        }
    }

    @Test
    @DisplayName("many concurrent connections each get their own answer")
    void manyConnections() throws Exception {
        int n = 200;
        try (TargetServer echo = TargetServer.echo(); LoopbackProxy proxy = LoopbackProxy.start("127.0.0.1", echo.port());
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String message = "message " + i;
                answers.add(pool.submit(() -> {
                    try (Socket s = connect(proxy)) {
                        s.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
                        s.shutdownOutput();
                        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    }
                }));
            }
            for (int i = 0; i < n; i++) {
                assertThat(answers.get(i).get()).isEqualTo("message " + i);
            }
            assertThat(proxy.metrics().accepted()).isEqualTo(n);
            awaitTrue(() -> proxy.metrics().active() == 0);
        }
    }

    @Test
    @DisplayName("a target that refuses connections gets the client's connection closed promptly, counted and logged")
    void refusedTarget() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(LoopbackProxy.class);
        logs.start();
        logger.addAppender(logs);
        try (LoopbackProxy proxy = LoopbackProxy.start("127.0.0.1", closedPort); Socket s = connect(proxy)) {
            s.setSoTimeout(30_000); // a bound so a hang fails the test instead of blocking it
            assertThat(readToEnd(s.getInputStream())).isEqualTo(-1);
            assertThat(proxy.metrics().failed()).isEqualTo(1);
            awaitTrue(() -> logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("cannot reach the target")
                    && e.getFormattedMessage().contains("127.0.0.1:" + closedPort)));
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    @DisplayName("close ends every open connection and stops listening")
    void closeEndsConnections() throws Exception {
        try (TargetServer echo = TargetServer.echo()) {
            LoopbackProxy proxy = LoopbackProxy.start("127.0.0.1", echo.port());
            int port = proxy.port();
            List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = connect(proxy);
                s.setSoTimeout(30_000);
                s.getOutputStream().write('x');
                assertThat(s.getInputStream().read()).isEqualTo('x');
                clients.add(s);
            }
            assertThat(proxy.metrics().active()).isEqualTo(3);

            proxy.close();
            proxy.close();

            for (Socket s : clients) {
                assertThat(readToEnd(s.getInputStream())).isEqualTo(-1);
                s.close();
            }
            assertThat(proxy.metrics().active()).isZero();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        }
    }

    private static Socket connect(LoopbackProxy proxy) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 10_000);
        return s;
    }

    /** Reads until the end; -1 for an orderly end, or for a reset (both mean the proxy closed the connection). */
    private static int readToEnd(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return -1;
        } catch (java.net.SocketException e) {
            return -1;
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("condition still false after 30 s").isBefore(end);
            Thread.sleep(10);
        }
    }
}
