// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.VmProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running QEMU: its serial console pumped to a {@link LogSink} by a thread of its own, its standard error kept
 * (the last 8 KiB) for error messages, and its QMP connection. Thread-safe; {@link #close()} may race any call.
 */
public final class QemuProcess implements VmProcess {

    private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
    private static final int STDERR_KEEP = 8192;
    private static final Duration QUIT_WAIT = Duration.ofSeconds(3);

    private final String id;
    private final Process process;
    private final Path qmpSocket;
    private final Accelerator accelerator;
    private final StringBuilder stderr = new StringBuilder();
    private final Thread consolePump;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile QmpClient qmp;

    QemuProcess(String id, Process process, Path qmpSocket, Accelerator accelerator, LogSink console) {
        this.id = id;
        this.process = process;
        this.qmpSocket = qmpSocket;
        this.accelerator = accelerator;
        this.consolePump = pump(process.getInputStream(), "console-" + id,
                (bytes, n) -> console.accept(LogSink.Stream.CONSOLE, bytes, 0, n));
        pump(process.getErrorStream(), "stderr-" + id, (bytes, n) -> {
            synchronized (stderr) {
                stderr.append(new String(bytes, 0, n, StandardCharsets.UTF_8));
                if (stderr.length() > STDERR_KEEP) {
                    stderr.delete(0, stderr.length() - STDERR_KEEP);
                }
            }
        });
    }

    private interface Chunk {
        void accept(byte[] bytes, int length);
    }

    private static Thread pump(InputStream in, String name, Chunk sink) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sink.accept(buf, n);
                }
            } catch (IOException e) {
                // the process ended and its pipe closed
            } catch (RuntimeException e) {
                log.warn("output of {} could not be delivered: {}", name, e.toString());
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    void attach(QmpClient client) {
        this.qmp = client;
    }

    /** The QMP connection, for commands this class does not wrap. */
    public QmpClient qmp() {
        QmpClient c = qmp;
        if (c == null) {
            throw new IllegalStateException("VM " + id + " has no QMP connection yet");
        }
        return c;
    }

    /** The accelerator this VM runs under. */
    public Accelerator accelerator() {
        return accelerator;
    }

    /** The last lines QEMU wrote on its standard error, if any. */
    public Optional<String> stderrTail() {
        synchronized (stderr) {
            return QemuVmm.nonBlank(stderr.toString().replace('\n', ' '));
        }
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        consolePump.join(TimeUnit.SECONDS.toMillis(5)); // every console byte is delivered before the exit is told
        return Optional.of(process.exitValue());
    }

    /** The guest's status as QMP reports it: {@code running}, {@code paused}, {@code shutdown}... */
    public String status() throws SandboxException, InterruptedException {
        return qmp().execute("query-status", Map.of(), Duration.ofSeconds(5)).path("status").asText();
    }

    @Override
    public void powerDown() throws SandboxException {
        try {
            qmp().execute("system_powerdown", Map.of(), Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while asking VM " + id + " to power down", e);
        }
    }

    @Override
    public void pause() throws SandboxException {
        simple("stop");
    }

    @Override
    public void resume() throws SandboxException {
        simple("cont");
    }

    private void simple(String command) throws SandboxException {
        try {
            qmp().execute(command, Map.of(), Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted during QMP " + command + " of VM " + id, e);
        }
    }

    /** Asks QEMU to exit at once through QMP {@code quit}; the guest gets no say. */
    public void quit() throws SandboxException {
        simple("quit");
    }

    @Override
    public OutputStream consoleInput() {
        return process.getOutputStream();
    }

    @Override
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            if (process.isAlive() && qmp != null) {
                try {
                    quit(); // lets QEMU close its files and socket itself
                    process.waitFor(QUIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (SandboxException e) {
                    log.debug("QMP quit of VM {} failed ({}); killing it", id, e.getMessage());
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (process.isAlive()) {
                kill();
            }
            if (qmp != null) {
                qmp.close();
            }
            try {
                Files.deleteIfExists(qmpSocket);
            } catch (IOException e) {
                log.warn("could not remove the QMP socket {} of VM {}: {}", qmpSocket, id, e.getMessage());
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
