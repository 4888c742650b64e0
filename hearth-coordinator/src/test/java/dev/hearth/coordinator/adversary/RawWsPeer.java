package dev.hearth.coordinator.adversary;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WebSocket peer on a plain socket, for the hostile ones a well-behaved client library will not play: it may bind
 * another loopback address, shrink its receive buffer and simply stop reading, and it sends exactly the frames it is
 * told to. Not thread-safe.
 */
final class RawWsPeer implements AutoCloseable {

    /** A frame read from the coordinator. */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame. */
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private final Socket socket = new Socket();
    private final DataInputStream in;
    private final OutputStream out;
    private final String status;

    /**
     * Connects from {@code local} (null: any) with a receive buffer of {@code receiveBuffer} bytes (0: the default)
     * and does the opening handshake, offering {@code subprotocol} unless null.
     */
    RawWsPeer(int port, InetAddress local, int receiveBuffer, String subprotocol) throws IOException {
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] key = new byte[16];
        new java.util.Random().nextBytes(key);
        out.write(("GET /v1/agent HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol
                + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        status = readHeaders(in);
    }

    /** The status line and headers of the handshake's answer. */
    String handshake() {
        return status;
    }

    /** Sends one masked text frame. */
    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int i = 56; i >= 0; i -= 8) {
                frame.write((int) ((long) payload.length >>> i) & 0xff);
            }
        }
        byte[] mask = {1, 2, 3, 4};
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** The next frame, waiting up to 10 s. */
    Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(b0 & 0x0f, payload);
    }

    /** The next text frame's text, skipping control frames. */
    String readText() throws IOException {
        while (true) {
            Frame f = read();
            if (f.opcode() == 1) {
                return f.text();
            }
            if (f.opcode() == 8) {
                throw new IOException("closed by the coordinator: " + f.closeCode());
            }
        }
    }

    /** The close code the coordinator sends, skipping other frames; -1 when the socket ends without one. */
    int awaitClose() throws IOException {
        try {
            while (true) {
                Frame f = read();
                if (f.opcode() == 8) {
                    return f.closeCode();
                }
            }
        } catch (java.io.EOFException | java.net.SocketException e) {
            return -1;
        }
    }

    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        while (!s.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            s.append((char) c);
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
