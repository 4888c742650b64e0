// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.sandbox.LogSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one output stream of the VMM process on its own thread, so the process never blocks on a full pipe: the
 * console (firecracker's stdout, the guest's serial port) to a {@link LogSink}, and stderr into a bounded tail kept
 * for error messages. Thread-safe: {@link #tail()} may be read while it pumps.
 */
final class OutputPump {

    private static final Logger log = LoggerFactory.getLogger(OutputPump.class);
    private static final int TAIL_BYTES = 4096;

    private final Thread thread;
    private final byte[] tail = new byte[TAIL_BYTES];
    private int held;

    private OutputPump(String name, InputStream in, LogSink sink, LogSink.Stream stream) {
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> pump(in, sink, stream));
    }

    /** Starts pumping {@code in} to {@code sink} as {@code stream}, keeping a tail too. */
    static OutputPump start(String name, InputStream in, LogSink sink, LogSink.Stream stream) {
        OutputPump pump = new OutputPump(name, in, sink, stream);
        pump.thread.start();
        return pump;
    }

    private void pump(InputStream in, LogSink sink, LogSink.Stream stream) {
        byte[] buffer = new byte[8192];
        boolean sinkFailed = false;
        try (in) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                keep(buffer, n);
                if (!sinkFailed) {
                    try {
                        sink.accept(stream, buffer, 0, n);
                    } catch (RuntimeException e) { // keep draining, or the VMM blocks on its pipe and the guest hangs
                        sinkFailed = true;
                        log.warn("{}: the log sink failed, further output is dropped: {}", thread.getName(), e);
                    }
                }
            }
        } catch (IOException e) {
            log.debug("{}: stream ended: {}", thread.getName(), e.toString()); // the process was killed
        }
    }

    private synchronized void keep(byte[] bytes, int n) {
        if (n >= TAIL_BYTES) {
            System.arraycopy(bytes, n - TAIL_BYTES, tail, 0, TAIL_BYTES);
            held = TAIL_BYTES;
            return;
        }
        int overflow = Math.max(0, held + n - TAIL_BYTES);
        System.arraycopy(tail, overflow, tail, 0, held - overflow);
        held -= overflow;
        System.arraycopy(bytes, 0, tail, held, n);
        held += n;
    }

    /** The last few KiB of the stream, decoded, trimmed. */
    synchronized String tail() {
        return new String(tail, 0, held, StandardCharsets.UTF_8).strip();
    }

    /** Waits until the stream has ended (the process's end closes it), at most {@code timeout}. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }
}
