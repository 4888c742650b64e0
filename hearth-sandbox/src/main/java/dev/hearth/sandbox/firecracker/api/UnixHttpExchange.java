// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * One HTTP/1.1 request and its response over a fresh connection to a unix domain socket, as Firecracker's API
 * server speaks it: a request with a {@code Content-Length} JSON body, a response with a status line, headers and a
 * {@code Content-Length} body (none for 204). Chunked responses are refused: Firecracker never sends them.
 *
 * <p>Why not a library: {@code java.net.http} cannot dial unix sockets, and the Apache HttpClient 5 on the class
 * path (5.5, pinned by docker-java's transport) cannot either (unix sockets came in 5.6). This exchange is small,
 * has a whole-exchange deadline (a hung VMM cannot hang the caller), and is tested against a real unix socket.
 * Stateless; safe to use from any thread.
 */
final class UnixHttpExchange {

    /** The largest response head (status line and headers) accepted. */
    static final int MAX_HEAD_BYTES = 16 * 1024;
    /** The largest response body accepted: Firecracker's answers are a few hundred bytes. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    /** A response: its status and its body (empty when there was none). */
    record Response(int status, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private UnixHttpExchange() {
    }

    /**
     * Sends one request and reads its response within {@code timeout}.
     *
     * @param body the JSON body, or {@code null} for none
     * @throws IOException when the socket cannot be reached, the response is malformed, or the deadline passes
     */
    static Response exchange(Path socket, String method, String path, byte[] body, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket)); // unix connects complete at once or fail
            channel.configureBlocking(false);
            write(channel, selector, ByteBuffer.wrap(request(method, path, body)), deadline, method + " " + path);
            return read(channel, selector, deadline, method + " " + path);
        }
    }

    static byte[] request(String method, String path, byte[] body) {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Accept: application/json\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n").append("Content-Length: ").append(body.length)
                    .append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            return headBytes;
        }
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    private static void write(SocketChannel channel, Selector selector, ByteBuffer out, long deadline,
            String request) throws IOException {
        SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                await(selector, deadline, request);
            }
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    private static Response read(SocketChannel channel, Selector selector, long deadline, String request)
            throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        int headEnd = -1;
        int status = 0;
        long contentLength = -1;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n > 0) {
                received.write(buffer.array(), 0, n);
            }
            byte[] bytes = received.toByteArray();
            if (headEnd < 0) {
                headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                if (headEnd < 0 && bytes.length > MAX_HEAD_BYTES) {
                    throw new IOException("response head to " + request + " exceeds " + MAX_HEAD_BYTES + " bytes");
                }
                if (headEnd >= 0) {
                    String head = new String(bytes, 0, headEnd, StandardCharsets.US_ASCII);
                    status = status(head, request);
                    contentLength = contentLength(head, status, request);
                }
            }
            if (headEnd >= 0 && contentLength >= 0 && bytes.length - headEnd - 4 >= contentLength) {
                return new Response(status, Arrays.copyOfRange(bytes, headEnd + 4, headEnd + 4 + (int) contentLength));
            }
            if (n < 0) {
                throw new IOException("connection closed after " + bytes.length + " bytes of the response to "
                        + request + (headEnd < 0 ? " (no complete head)" : " (body shorter than its Content-Length)"));
            }
            if (n == 0) {
                await(selector, deadline, request);
            }
        }
    }

    private static int status(String head, String request) throws IOException {
        String statusLine = head.lines().findFirst().orElse("");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[1-5][0-9][0-9]")) {
            throw new IOException("malformed status line in the response to " + request + ": '" + statusLine + "'");
        }
        return Integer.parseInt(parts[1]);
    }

    private static long contentLength(String head, int status, String request) throws IOException {
        long length = -1;
        for (String line : head.lines().skip(1).toList()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header in the response to " + request + ": '" + line + "'");
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("transfer-encoding")) {
                throw new IOException("unsupported Transfer-Encoding '" + value + "' in the response to " + request);
            }
            if (name.equals("content-length")) {
                if (!value.matches("[0-9]{1,9}") || Long.parseLong(value) > MAX_BODY_BYTES) {
                    throw new IOException("Content-Length '" + value + "' in the response to " + request
                            + " is not a number within 0.." + MAX_BODY_BYTES);
                }
                length = Long.parseLong(value);
            }
        }
        if (length < 0 && (status == 204 || status == 304 || status < 200)) {
            return 0; // these have no body by definition (RFC 9112 section 6.3)
        }
        if (length < 0) {
            throw new IOException("response " + status + " to " + request + " has no Content-Length");
        }
        return length;
    }

    private static void await(Selector selector, long deadline, String request) throws IOException {
        if (Thread.currentThread().isInterrupted()) { // select() returns at once while interrupted: stop, keep the flag
            throw new InterruptedIOException("interrupted while exchanging " + request);
        }
        long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
        if (remainingMillis <= 0) {
            throw new HttpTimeoutException("no complete response to " + request + " within the deadline");
        }
        selector.select(remainingMillis);
        selector.selectedKeys().clear();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
