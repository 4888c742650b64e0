// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FirecrackerApi's HTTP/1.1 exchange over a real unix socket, against scripted answers")
class UnixHttpExchangeTest {

    @TempDir
    Path dir;

    private ServerSocketChannel server;

    /** Serves one connection: reads the request head and body, then writes {@code answer} in {@code chunk}s. */
    private CompletableFuture<String> serveOnce(String answer, int chunk, boolean closeAfter) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("api.sock")));
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel connection = server.accept()) {
                InputStream in = Channels.newInputStream(connection);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                while (!request.toString(StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                    request.write(in.read());
                }
                String head = request.toString(StandardCharsets.US_ASCII);
                int length = head.lines().filter(l -> l.startsWith("Content-Length: "))
                        .mapToInt(l -> Integer.parseInt(l.substring(16))).findFirst().orElse(0);
                request.write(in.readNBytes(length));
                OutputStream out = Channels.newOutputStream(connection);
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < bytes.length; i += chunk) {
                    out.write(bytes, i, Math.min(chunk, bytes.length - i));
                    out.flush();
                }
                if (!closeAfter) {
                    Thread.sleep(60_000); // silent until the client gives up and the test closes the server
                }
                return request.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "server: " + e;
            } catch (InterruptedException e) {
                return "server interrupted";
            }
        }, task -> Thread.ofPlatform().daemon().start(task)); // its own thread: a silent server must not starve others
    }

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private FirecrackerApi api(Duration timeout) {
        return new FirecrackerApi(dir.resolve("api.sock"), timeout);
    }

    @Test
    @DisplayName("a PUT carries Host, JSON Content-Type and an exact Content-Length; a 204 without length succeeds")
    void putRequestFormat() throws Exception {
        CompletableFuture<String> request = serveOnce("HTTP/1.1 204 \r\nServer: Firecracker API\r\n\r\n", 1000, true);
        api(Duration.ofSeconds(10)).send(new VmState(VmState.State.PAUSED));
        assertThat(request.get(10, TimeUnit.SECONDS)).isEqualTo("PATCH /vm HTTP/1.1\r\nHost: localhost\r\n"
                + "Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n"
                + "{\"state\":\"Paused\"}");
    }

    @Test
    @DisplayName("a GET has no body headers; an answer arriving a byte at a time is read whole")
    void getAnswerInPieces() throws Exception {
        String body = "{\"app_name\":\"Firecracker\",\"id\":\"vm-1\",\"state\":\"Running\",\"vmm_version\":\"1.9.0\"}";
        CompletableFuture<String> request = serveOnce("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + "CONTENT-LENGTH: " + body.length() + "\r\n\r\n" + body, 1, true);
        InstanceInfo info = api(Duration.ofSeconds(10)).describeInstance();
        assertThat(info).isEqualTo(new InstanceInfo("Firecracker", "vm-1", "Running", "1.9.0"));
        assertThat(request.get(10, TimeUnit.SECONDS)).isEqualTo("GET / HTTP/1.1\r\nHost: localhost\r\n"
                + "Accept: application/json\r\n\r\n");
    }

    @Test
    @DisplayName("a 400 raises FirecrackerApiException with method, path, status and fault_message")
    void faultAnswer() throws Exception {
        String fault = "{\"fault_message\":\"Invalid vCPU count: 0\"}";
        serveOnce("HTTP/1.1 400 \r\nContent-Length: " + fault.length() + "\r\n\r\n" + fault, 7, true);
        assertThatThrownBy(() -> api(Duration.ofSeconds(10)).send(new MachineConfig(0, 128, false)))
                .isInstanceOfSatisfying(FirecrackerApiException.class, e -> {
                    assertThat(e.method()).isEqualTo("PUT");
                    assertThat(e.path()).isEqualTo("/machine-config");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.faultMessage()).isEqualTo("Invalid vCPU count: 0");
                })
                .hasMessage("Firecracker API PUT /machine-config answered 400: Invalid vCPU count: 0");
    }

    @Test
    @DisplayName("an error answer that is not JSON is quoted as it is")
    void faultNotJson() throws Exception {
        serveOnce("HTTP/1.1 500 Internal\r\nContent-Length: 5\r\n\r\nboom\n", 100, true);
        assertThatThrownBy(() -> api(Duration.ofSeconds(10)).send(new Metrics("/m")))
                .isInstanceOfSatisfying(FirecrackerApiException.class,
                        e -> assertThat(e.faultMessage()).isEqualTo("boom"));
    }

    @Test
    @DisplayName("chunked answers, malformed status lines and bodies cut short are errors naming the request")
    void malformedAnswers() throws Exception {
        serveOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 100, true);
        assertThatThrownBy(() -> api(Duration.ofSeconds(10)).describeInstance())
                .isInstanceOf(SandboxException.class).hasMessageContaining("GET /")
                .hasMessageContaining("unsupported Transfer-Encoding 'chunked'");
        server.close();
        java.nio.file.Files.delete(dir.resolve("api.sock"));

        serveOnce("SSH-2.0-OpenSSH\r\n\r\n", 100, true);
        assertThatThrownBy(() -> api(Duration.ofSeconds(10)).describeInstance())
                .hasMessageContaining("malformed status line in the response to GET /: 'SSH-2.0-OpenSSH'");
        server.close();
        java.nio.file.Files.delete(dir.resolve("api.sock"));

        serveOnce("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"app", 100, true);
        assertThatThrownBy(() -> api(Duration.ofSeconds(10)).describeInstance())
                .hasMessageContaining("connection closed after").hasMessageContaining("shorter than its Content-Length");
    }

    @Test
    @DisplayName("a server that never answers is given up at the deadline, with the request and the timeout named")
    void silentServer() throws Exception {
        serveOnce("", 1, false);
        assertThatThrownBy(() -> api(Duration.ofMillis(300)).send(new VmState(VmState.State.RESUMED)))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("PATCH /vm")
                .hasMessageContaining("timeout 300 ms")
                .hasMessageContaining("no complete response to PATCH /vm within the deadline");
    }

    @Test
    @DisplayName("an interrupted exchange stops with InterruptedIOException and the interrupt flag kept")
    void interrupted() throws Exception {
        serveOnce("", 1, false);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> api(Duration.ofSeconds(30)).send(new VmState(VmState.State.RESUMED)))
                    .isInstanceOf(InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    @DisplayName("no socket: the error names the socket path and the request")
    void noSocket() {
        assertThatThrownBy(() -> api(Duration.ofSeconds(1)).send(new Metrics("/m")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("Firecracker API PUT /metrics on " + dir.resolve("api.sock") + " failed");
    }
}
