// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.LogSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Splits a guest's serial console into Hearth's frames and the rest (kernel text). A frame is one line
 * {@code "\001H" TYPE " " ID " " PAYLOAD}, written by the guest init and its helper with a single write each (see
 * {@code hearth-init}); a line that does not parse as one is console text, so neither kernel messages nor a job's
 * own output can pose as a frame (a job's output only ever reaches the console base64-encoded inside frames).
 *
 * <p>Not thread-safe: fed by the one thread that pumps the console, in order.
 */
final class GuestFrames implements LogSink {

    /** The longest line kept whole; a frame is at most about 4.2 KB, kernel lines are shorter still. */
    private static final int MAX_LINE = 64 * 1024;
    private static final byte SOH = 1;

    /** What the frames say, in the order they arrive. */
    interface Listener {
        /** The guest init is up (frame R 0). */
        void ready();

        /** A VM booted for a warm pool is set up and waits for its job on the console (frame W 0). */
        default void waiting() {
        }

        /** Terminal session {@code id} is open for input (frame R ID). */
        default void started(int id) {
        }

        /** A chunk of stdout or stderr of the job (id 0) or of an exec. */
        void output(int id, Stream stream, byte[] bytes);

        /** The job or an exec ended. */
        void exit(int id, long code, boolean oomKilled);

        /** The guest init could not run the job (frame F). */
        void failed(String message);

        /** A line of console text that is not a frame. */
        void console(String line);
    }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    GuestFrames(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void accept(Stream stream, byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endLine();
            } else {
                line.write(b);
                if (line.size() >= MAX_LINE) {
                    endLine();
                }
            }
        }
    }

    private void endLine() {
        byte[] raw = line.toByteArray();
        line.reset();
        int end = raw.length;
        while (end > 0 && raw[end - 1] == '\r') {
            end--;
        }
        int start = -1;
        for (int i = 0; i + 1 < end; i++) {
            if (raw[i] == SOH && raw[i + 1] == 'H') {
                start = i;
                break;
            }
        }
        if (start > 0) {
            // kernel text printed just before a frame, on the same line
            listener.console(new String(raw, 0, start, StandardCharsets.UTF_8));
        }
        if (start < 0 || !frame(new String(raw, start + 2, end - start - 2, StandardCharsets.US_ASCII))) {
            if (start < 0) {
                listener.console(new String(raw, 0, end, StandardCharsets.UTF_8));
            } else {
                listener.console("(unreadable frame) " + new String(raw, start + 2, end - start - 2,
                        StandardCharsets.UTF_8));
            }
        }
    }

    /** Parses {@code TYPE ID PAYLOAD}; false when it is not a well-formed frame. */
    private boolean frame(String text) {
        String[] parts = text.split(" ", 3);
        if (parts.length < 2 || parts[0].length() != 1 || !parts[1].matches("\\d{1,9}")) {
            return false;
        }
        int id = Integer.parseInt(parts[1]);
        String payload = parts.length == 3 ? parts[2] : "";
        try {
            switch (parts[0].charAt(0)) {
                case 'R' -> {
                    if (id == 0) {
                        listener.ready();
                    } else {
                        listener.started(id);
                    }
                }
                case 'W' -> listener.waiting();
                case 'O' -> listener.output(id, Stream.STDOUT, Base64.getDecoder().decode(payload));
                case 'E' -> listener.output(id, Stream.STDERR, Base64.getDecoder().decode(payload));
                case 'X' -> {
                    String[] f = payload.split(" ");
                    listener.exit(id, Long.parseLong(f[0]), f.length > 1 && f[1].equals("1"));
                }
                case 'F' -> listener.failed(new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8));
                default -> {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false; // bad base64 or number: a damaged frame is reported as console text
        }
    }
}
