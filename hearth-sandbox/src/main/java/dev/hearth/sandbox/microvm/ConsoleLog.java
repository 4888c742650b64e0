// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The console log of a VM that outlives the process reading it ({@code console.log}, QEMU's copy of everything the
 * guest printed, across restarts): the job's (the instance service's) own output decoded from Hearth's frames, and
 * how the job last ended. The log is kept bounded by {@link #rotate}: copied to {@code console.log.1} and truncated
 * in place, which is safe while the VMM writes, since QEMU ({@code logappend=on}) and Firecracker (its stdout) both
 * hold it open for appending, so their next write lands at the new end. Reads cover the previous file and the
 * current one, so the newest lines survive a rotation. Stateless between calls; thread-safe.
 */
public final class ConsoleLog {

    private static final long POLL_MS = 300;

    private final Path file;

    /** The log at {@code file}; a missing file reads as empty. */
    public ConsoleLog(Path file) {
        this.file = file;
    }

    /**
     * How the job ended in the guest's last boot: its exit code from the guest init's X frame, or empty when the
     * last boot has not reported one (still running, or the VM died without its init saying so).
     */
    public Optional<Long> lastExit() throws SandboxException {
        Events e = new Events(0);
        feedAll(e);
        return e.exit;
    }

    /**
     * Keeps the log within about {@code maxBytes}: when it is larger, its content replaces {@code console.log.1} and
     * it is truncated to empty (what the guest prints between the copy and the truncation is lost). Call it from one
     * thread per log (the instance supervisor).
     *
     * @return whether it rotated
     */
    public boolean rotate(long maxBytes) throws SandboxException {
        if (size() <= maxBytes) {
            return false;
        }
        Path previous = previous();
        try {
            Path part = previous.resolveSibling(previous.getFileName() + ".part");
            Files.copy(file, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, previous, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            return true;
        } catch (IOException e) {
            throw new SandboxException("cannot rotate the console log " + file + " (at " + size() + " bytes, limit "
                    + maxBytes + "): " + e.getMessage(), e);
        }
    }

    /** The rotated-out previous log, {@code console.log.1}. */
    public Path previous() {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    /** Whether the guest init said it is up (its ready frame) after byte {@code offset} (where a boot began). */
    public boolean readySince(long offset) throws SandboxException {
        Events e = new Events(0);
        read(new GuestFrames(e), offset);
        return e.readyCount > 0;
    }

    /**
     * Streams the job's output to {@code sink}: the last {@code tail} lines (all when negative), then, when
     * {@code follow}, what comes next until the returned handle is closed.
     */
    public Closeable stream(int tail, boolean follow, LogSink sink) throws SandboxException {
        Events e = new Events(tail < 0 ? Integer.MAX_VALUE : tail);
        long[] offset = {feedAll(e)};
        for (byte[] line : e.lines) {
            sink.accept(LogSink.Stream.STDOUT, line, 0, line.length);
        }
        if (!follow) {
            return () -> { };
        }
        Thread t = Thread.ofVirtual().name("console-log-" + file.getFileName()).start(() -> {
            GuestFrames live = new GuestFrames(new Live(sink));
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    long size = size();
                    if (size < offset[0]) {
                        offset[0] = 0; // replaced: read it from the start
                    }
                    if (size > offset[0]) {
                        offset[0] = read(live, offset[0]);
                    }
                    Thread.sleep(POLL_MS);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            } catch (SandboxException ex) {
                byte[] msg = ("hearth: stopped following: " + ex.getMessage() + "\n").getBytes();
                sink.accept(LogSink.Stream.STDERR, msg, 0, msg.length);
            }
        });
        return t::interrupt;
    }

    private long size() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Feeds the previous log then the current one, as one stream; returns the offset reached in the current. */
    private long feedAll(Events events) throws SandboxException {
        GuestFrames frames = new GuestFrames(events);
        read(frames, previous(), 0);
        return read(frames, file, 0);
    }

    private long read(GuestFrames frames, long from) throws SandboxException {
        return read(frames, file, from);
    }

    private static long read(GuestFrames frames, Path file, long from) throws SandboxException {
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            byte[] buf = new byte[64 * 1024];
            long at = from;
            int n;
            while ((n = in.read(buf)) > 0) {
                frames.accept(LogSink.Stream.STDOUT, buf, 0, n);
                at += n;
            }
            return at;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new SandboxException("cannot read the console log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The job's output as whole lines (the last {@code keep}) and its last exit, from a whole read. */
    private static final class Events implements GuestFrames.Listener {
        final int keep;
        final Deque<byte[]> lines = new ArrayDeque<>();
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        Optional<Long> exit = Optional.empty();
        int readyCount;

        Events(int keep) {
            this.keep = keep;
        }

        @Override
        public void ready() {
            exit = Optional.empty();
            readyCount++;
        }

        @Override
        public void output(int id, LogSink.Stream stream, byte[] bytes) {
            if (id != 0 || keep == 0) {
                return;
            }
            for (byte b : bytes) {
                partial.write(b);
                if (b == '\n') {
                    lines.addLast(partial.toByteArray());
                    partial.reset();
                    if (lines.size() > keep) {
                        lines.removeFirst();
                    }
                }
            }
        }

        @Override
        public void exit(int id, long code, boolean oomKilled) {
            if (id == 0) {
                exit = Optional.of(code);
            }
        }

        @Override
        public void failed(String message) {
            exit = Optional.of(-1L);
        }

        @Override
        public void console(String line) {
        }
    }

    /** New output of the job, as it comes. */
    private record Live(LogSink sink) implements GuestFrames.Listener {
        @Override
        public void ready() {
        }

        @Override
        public void output(int id, LogSink.Stream stream, byte[] bytes) {
            if (id == 0) {
                sink.accept(stream, bytes, 0, bytes.length);
            }
        }

        @Override
        public void exit(int id, long code, boolean oomKilled) {
        }

        @Override
        public void failed(String message) {
        }

        @Override
        public void console(String line) {
        }
    }
}
