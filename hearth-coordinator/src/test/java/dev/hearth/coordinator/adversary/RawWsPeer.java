// SPDX-License-Identifier: Apache-2.0
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
        sendFrame(0x1, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one masked frame: {@code opcode} (1 text, 0 continuation), {@code fin} on the last of a message. */
    void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(header(opcode, fin, payload.length));
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ MASK[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Sends only the header (and mask) of a text frame announcing {@code length} bytes of payload; the payload, if
     * any, follows with {@link #sendRaw}. A peer that never finishes it holds the reader in the middle of a frame.
     */
    void startFrame(long length) throws IOException {
        out.write(header(0x1, true, length));
        out.flush();
    }

    /** Sends {@code bytes} as they are (the next part of a frame's payload). */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private static final byte[] MASK = {1, 2, 3, 4};

    private static byte[] header(int opcode, boolean fin, long length) {
        ByteArrayOutputStream h = new ByteArrayOutputStream(14);
        h.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            h.write(0x80 | (int) length);
        } else if (length < 65536) {
            h.write(0x80 | 126);
            h.write((int) (length >>> 8));
            h.write((int) (length & 0xff));
        } else {
            h.write(0x80 | 127);
            for (int i = 56; i >= 0; i -= 8) {
                h.write((int) (length >>> i) & 0xff);
            }
        }
        h.write(MASK, 0, 4);
        return h.toByteArray();
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
