// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Hearth's guest channel to a VM that outlives the process using it (an instance's guest): the serial console,
 * spoken with the same frames as {@link MicroVmSandbox} (see {@code hearth-init}), over one of two links. QEMU serves
 * it on a unix socket ({@link #onSocket}); Firecracker's serial is its stdin and stdout, so an instance's firecracker
 * reads a FIFO and appends to its console log, and a request is written to the one and its answer read from the
 * other ({@link #onFifo}). Either serves one client at a time, so each request holds the VM's console lock
 * ({@code console.lock} in the VM's folder: a file lock across processes, an in-process lock across threads) for as
 * long as it talks. Request ids are random, so an exec that timed out and still runs in the guest never shares its
 * id with a later one.
 *
 * <p>Stateless between calls; thread-safe.
 */
public final class GuestConsole {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final int MAX_OUTPUT = 4 << 20;
    /** How long a terminal session may take to open in the guest (TCG is slow, the guest busy). */
    private static final Duration SESSION_START = Duration.ofSeconds(60);

    private final Path lockFile;
    private final String where;
    private final Opener opener;

    private GuestConsole(Path lockFile, String where, Opener opener) {
        this.lockFile = lockFile;
        this.where = where;
        this.opener = opener;
    }

    /** The console of a VM (QEMU) that serves it on the unix socket {@code socket}. */
    public static GuestConsole onSocket(Path socket) {
        Path s = socket.toAbsolutePath().normalize();
        return new GuestConsole(s.resolveSibling("console.lock"), s.toString(), () -> new SocketLink(s));
    }

    /**
     * The console of a VM (Firecracker) that reads its serial input from the FIFO {@code input} and appends its serial
     * output to {@code log}; {@code alive} says whether the VM still runs (a FIFO does not tell).
     */
    public static GuestConsole onFifo(Path input, Path log, BooleanSupplier alive) {
        Path in = input.toAbsolutePath().normalize();
        Path out = log.toAbsolutePath().normalize();
        return new GuestConsole(in.resolveSibling("console.lock"), in.toString(), () -> new FifoLink(in, out, alive));
    }

    /**
     * Runs {@code command} (an argv, quoted for the guest's shell) as the job's user in the guest, stdin closed,
     * with the job's environment.
     *
     * @return its exit code and output (each capped at 4 MiB), exit -1 when it did not end within {@code timeout}
     * @throws SandboxException when the console cannot be reached (the VM is not running)
     */
    public ExecResult exec(List<String> command, Duration timeout) throws SandboxException, InterruptedException {
        StringBuilder script = new StringBuilder("exec");
        command.forEach(a -> script.append(' ').append(ConfigDrive.quote(a)));
        int id = newId();
        Reply reply = talk("x " + id + " " + Base64.getEncoder().encodeToString(
                script.toString().getBytes(StandardCharsets.UTF_8)), id, timeout);
        return new ExecResult(reply.code, reply.out.toString(StandardCharsets.UTF_8),
                reply.err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code content} to {@code path} in the guest through the guest init (as root, then owned by {@code uid}
     * with {@code mode}); the content is on no command line, on the host or in the guest.
     *
     * @throws InvalidInputException when the path is not absolute or has characters other than {@code [A-Za-z0-9/._-]}
     * @throws SandboxException when the guest could not write it
     */
    public void writeFile(String path, byte[] content, int mode, int uid, Duration timeout)
            throws SandboxException, InterruptedException {
        if (!path.matches("/[A-Za-z0-9/._-]+") || path.contains("..") || path.endsWith("/")) {
            throw new InvalidInputException("guest path", path, "an absolute file path of [A-Za-z0-9/._-], no '..'");
        }
        int id = newId();
        Reply reply = talk("w " + id + " " + uid + " " + Integer.toOctalString(mode) + " " + path + " "
                + Base64.getEncoder().encodeToString(content), id, timeout);
        if (reply.code != 0) {
            throw new SandboxException("the guest could not write " + path + (reply.code < 0
                    ? " within " + timeout.toSeconds() + " s" : " (exit " + reply.code + ")"));
        }
    }

    /**
     * Runs {@code script} ({@code sh -c}; a login shell when empty) as the job's user on a terminal of its own in
     * the guest ({@code rows} by {@code cols}), typing what {@code in} gives into it and writing what it prints to
     * {@code out}, as it comes, until it ends. At the end of {@code in} an end-of-file key (Ctrl-D) is typed, as a
     * terminal would, so a shell fed from a pipe ends. Holds the console for as long as it runs: other requests to
     * this VM wait.
     *
     * @return its exit code
     * @throws SandboxException when the console cannot be reached, or closes before the session ends
     */
    public long session(String script, int rows, int cols, InputStream in, OutputStream out)
            throws SandboxException, InterruptedException {
        int id = newId();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        local.lockInterruptibly();
        Thread typist = null;
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lock.lock();
                Link link = opener.open()) {
            Object writing = new Object();
            link.write(("p " + id + " " + rows + " " + cols + " " + Base64.getEncoder().encodeToString(
                    script.getBytes(StandardCharsets.UTF_8)) + "\n").getBytes(StandardCharsets.US_ASCII));
            Live live = new Live(id, out);
            typist = Thread.ofVirtual().name("guest-session-" + id).start(() -> type(link, writing, id, in, live));
            GuestFrames frames = new GuestFrames(live);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long openBy = System.nanoTime() + SESSION_START.toNanos();
            while (!live.done) {
                if (live.open.getCount() > 0 && System.nanoTime() - openBy > 0) {
                    throw new SandboxException("the guest did not open a terminal session within "
                            + SESSION_START.toSeconds() + " s; its guest init may predate terminal sessions (a root "
                            + "from an older Hearth): commands still run with 'shell ID CMD...'");
                }
                buf.clear();
                int n = link.read(buf);
                if (n < 0) {
                    throw new SandboxException("the guest's console closed (the VM stopped) during the session");
                }
                if (n == 0) {
                    Thread.sleep(20);
                    continue;
                }
                frames.accept(LogSink.Stream.STDOUT, buf.array(), 0, n);
                if (live.failure != null) {
                    throw new SandboxException("cannot write the session's output: " + live.failure.getMessage(),
                            live.failure);
                }
            }
            return live.code;
        } catch (IOException e) {
            throw new SandboxException("cannot reach the guest's console at " + where + " (is the VM running?): "
                    + e.getMessage(), e);
        } finally {
            if (typist != null) {
                typist.interrupt(); // it may stay blocked reading a terminal; it sends nothing more
            }
            local.unlock();
        }
    }

    /** Types what {@code in} gives into session {@code id}, once it reads its input, then an end-of-file key. */
    private static void type(Link link, Object writing, int id, InputStream in, Live live) {
        byte[] chunk = new byte[1024];
        try {
            live.open.await();
            int n;
            while (!live.done && (n = in.read(chunk)) >= 0) {
                if (n > 0) {
                    send(link, writing, id, java.util.Arrays.copyOf(chunk, n), live);
                }
            }
            send(link, writing, id, new byte[] {4}, live);
        } catch (IOException e) {
            // the session ended (the link closed) or the input broke: nothing more to type
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the session ended before it opened
        }
    }

    private static void send(Link link, Object writing, int id, byte[] bytes, Live live) throws IOException {
        synchronized (writing) {
            if (!live.done) {
                link.write(("i " + id + " " + Base64.getEncoder().encodeToString(bytes) + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    /** Asks the guest init to send SIGTERM to the job (the instance's service); returns at once. */
    public void terminate() throws SandboxException, InterruptedException {
        talk("t", -1, Duration.ZERO);
    }

    private static int newId() {
        return ThreadLocalRandom.current().nextInt(1, 1_000_000_000);
    }

    private Reply talk(String request, int id, Duration timeout) throws SandboxException, InterruptedException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        local.lockInterruptibly();
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lock.lock();
                Link link = opener.open()) {
            link.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
            Reply reply = new Reply(id);
            if (id < 0) {
                return reply;
            }
            GuestFrames frames = new GuestFrames(reply);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reply.done && System.nanoTime() < deadline) {
                buf.clear();
                int n = link.read(buf);
                if (n < 0) {
                    throw new SandboxException("the guest's console closed (the VM stopped) before request " + id
                            + " finished");
                }
                if (n == 0) {
                    Thread.sleep(20);
                    continue;
                }
                frames.accept(LogSink.Stream.STDOUT, buf.array(), 0, n);
            }
            return reply;
        } catch (IOException e) {
            throw new SandboxException("cannot reach the guest's console at " + where + " (is the VM running?): "
                    + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    @FunctionalInterface
    private interface Opener {
        Link open() throws IOException;
    }

    /** One conversation's way to the guest's serial console. */
    private interface Link extends AutoCloseable {

        void write(byte[] bytes) throws IOException;

        /** What the guest printed since the last read: 0 when nothing yet, -1 when the console is gone. */
        int read(ByteBuffer into) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** QEMU's console socket: what is written goes to the guest, what the guest prints comes back. */
    private static final class SocketLink implements Link {
        private final SocketChannel channel;

        SocketLink(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.configureBlocking(false);
        }

        @Override
        public int read(ByteBuffer into) throws IOException {
            return channel.read(into);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Firecracker's stdin FIFO and its console log: the log is read from its end as it was before the request was
     * written, so only the answer (and whatever else the guest prints meanwhile) is seen. The FIFO is opened for
     * reading too, which never blocks and never fails for want of a reader; firecracker holds it open the same way.
     */
    private static final class FifoLink implements Link {
        private final FileChannel input;
        private final FileChannel log;
        private final BooleanSupplier alive;

        FifoLink(Path fifo, Path logFile, BooleanSupplier alive) throws IOException {
            this.alive = alive;
            if (!alive.getAsBoolean()) {
                throw new IOException("the VM is not running");
            }
            log = FileChannel.open(logFile, StandardOpenOption.READ);
            try {
                log.position(log.size());
                input = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                log.close();
                throw e;
            }
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                input.write(b);
            }
        }

        @Override
        public int read(ByteBuffer into) throws IOException {
            if (log.position() > log.size()) {
                log.position(0); // rotated (copied away and truncated) under us: the answer is in the new log
            }
            int n = log.read(into);
            if (n > 0) {
                return n;
            }
            return alive.getAsBoolean() ? 0 : -1;
        }

        @Override
        public void close() throws IOException {
            try (input; log) {
                // both closed
            }
        }
    }

    /** A session's frames: its output written through as it comes, then its exit. */
    private static final class Live implements GuestFrames.Listener {
        final int id;
        final OutputStream out;
        volatile boolean done;
        volatile long code = -1;
        volatile IOException failure;
        final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);

        Live(int id, OutputStream out) {
            this.id = id;
            this.out = out;
        }

        @Override
        public void ready() {
        }

        @Override
        public void started(int from) {
            if (from == id) {
                open.countDown();
            }
        }

        @Override
        public void output(int from, LogSink.Stream stream, byte[] bytes) {
            if (from == id && failure == null) {
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException e) {
                    failure = e;
                }
            }
        }

        @Override
        public void exit(int from, long exitCode, boolean oomKilled) {
            if (from == id) {
                code = exitCode;
                done = true;
                open.countDown();
            }
        }

        @Override
        public void failed(String message) {
        }

        @Override
        public void console(String line) {
        }
    }

    /** What the frames of one request said. */
    private static final class Reply implements GuestFrames.Listener {
        final int id;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        long code = -1;
        boolean done;

        Reply(int id) {
            this.id = id;
        }

        @Override
        public void ready() {
        }

        @Override
        public void output(int from, LogSink.Stream stream, byte[] bytes) {
            ByteArrayOutputStream to = stream == LogSink.Stream.STDOUT ? out : err;
            if (from == id && to.size() + bytes.length <= MAX_OUTPUT) {
                to.writeBytes(bytes);
            }
        }

        @Override
        public void exit(int from, long exitCode, boolean oomKilled) {
            if (from == id) {
                code = exitCode;
                done = true;
            }
        }

        @Override
        public void failed(String message) {
        }

        @Override
        public void console(String line) {
        }
    }
}
