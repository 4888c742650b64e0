package dev.hearth.sandbox.microvm;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

/**
 * Hearth's guest channel to a VM that outlives the process using it (an instance's guest): the serial console on
 * QEMU's unix socket, spoken with the same frames as {@link MicroVmSandbox} (see {@code hearth-init}). QEMU serves
 * one client at a time, so each request holds the VM's console lock ({@code console.lock} beside the socket: a
 * file lock across processes, an in-process lock across threads) for as long as it talks. Request ids are random,
 * so an exec that timed out and still runs in the guest never shares its id with a later one.
 *
 * <p>Stateless between calls; thread-safe.
 */
public final class GuestConsole {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final int MAX_OUTPUT = 4 << 20;

    private final Path socket;
    private final Path lockFile;

    /** The console of the VM whose console socket is {@code socket}. */
    public GuestConsole(Path socket) {
        this.socket = socket.toAbsolutePath().normalize();
        this.lockFile = this.socket.resolveSibling("console.lock");
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
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.US_ASCII)));
            Reply reply = new Reply(id);
            if (id < 0) {
                return reply;
            }
            GuestFrames frames = new GuestFrames(reply);
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reply.done && System.nanoTime() < deadline) {
                buf.clear();
                int n = ch.read(buf);
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
            throw new SandboxException("cannot reach the guest's console at " + socket + " (is the VM running?): "
                    + e.getMessage(), e);
        } finally {
            local.unlock();
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
