// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.firecracker.api.FirecrackerApi;
import dev.hearth.sandbox.firecracker.api.FirecrackerRequest;
import dev.hearth.sandbox.firecracker.api.InstanceAction;
import dev.hearth.sandbox.firecracker.api.InstanceInfo;
import dev.hearth.sandbox.firecracker.api.VmState;
import dev.hearth.sandbox.vm.VmProcess;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Firecracker process and its guest, as {@link FirecrackerVmm} launched it. Lifecycle calls go to its API
 * socket; {@link #close()} kills the process and removes everything its launch made, whatever state it is in
 * (also after the process crashed). Thread-safe.
 */
public final class FirecrackerVm implements VmProcess {

    // Only waited for streams still open after the process died (its pipes then close at once); generous, because
    // on a loaded host the pump threads may not be scheduled for a while, and the stderr tail names why a launch failed.
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(10);

    private final String id;
    private final Process process;
    private final FirecrackerApi api;
    private final ProcessLayout layout;
    private final OutputPump console;
    private final OutputPump stderr;
    private final AtomicBoolean closed = new AtomicBoolean();

    FirecrackerVm(String id, Process process, FirecrackerApi api, ProcessLayout layout, OutputPump console,
            OutputPump stderr) {
        this.id = id;
        this.process = process;
        this.api = api;
        this.layout = layout;
        this.console = console;
        this.stderr = stderr;
    }

    /** The VM's id. */
    public String id() {
        return id;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    /** The client of this VM's API socket. */
    FirecrackerApi api() {
        return api;
    }

    ProcessLayout layout() {
        return layout;
    }

    /** Whether the firecracker process still runs. */
    boolean alive() {
        return process.isAlive();
    }

    /** The last lines firecracker wrote to stderr, for error messages. */
    String stderrTail() {
        return stderr.tail();
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the process has ended, its console output has been delivered (up to a short drain) before this returns.
     */
    @Override
    public Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        console.awaitEnd(OUTPUT_DRAIN);
        return Optional.of(process.exitValue());
    }

    /** Presses Ctrl-Alt-Del in the guest ({@code SendCtrlAltDel}); a guest with {@code reboot=k} then powers off. */
    @Override
    public void powerDown() throws SandboxException {
        call(new InstanceAction(InstanceAction.Type.SEND_CTRL_ALT_DEL), "power down");
    }

    /** {@code PATCH /vm} Paused. */
    @Override
    public void pause() throws SandboxException {
        call(new VmState(VmState.State.PAUSED), "pause");
    }

    /** {@code PATCH /vm} Resumed. */
    @Override
    public void resume() throws SandboxException {
        call(new VmState(VmState.State.RESUMED), "resume");
    }

    /** Asks firecracker to write its metrics now ({@code FlushMetrics}). */
    public void flushMetrics() throws SandboxException {
        call(new InstanceAction(InstanceAction.Type.FLUSH_METRICS), "flush metrics");
    }

    /** {@code GET /}: firecracker's own view of the instance (id, state, version). */
    public InstanceInfo describe() throws SandboxException {
        try {
            return api.describeInstance();
        } catch (InterruptedIOException e) {
            throw new SandboxException("firecracker VM " + id + ": interrupted while asking for its state", e);
        }
    }

    private void call(FirecrackerRequest request, String what) throws SandboxException {
        try {
            api.send(request);
        } catch (InterruptedIOException e) { // the flag stays set for the caller
            throw new SandboxException("firecracker VM " + id + ": interrupted during " + what, e);
        } catch (SandboxException e) {
            throw new SandboxException("firecracker VM " + id + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    /** Firecracker's standard input is the guest's serial console input, where Hearth's guest init reads requests. */
    @Override
    public java.io.OutputStream consoleInput() {
        return process.getOutputStream();
    }

    @Override
    public void kill() {
        // SIGKILL through the handle: Process.destroyForcibly also closes the output pipes, which drops whatever
        // the pumps have not read yet, such as a dead VMM's last words on stderr that the launch error quotes
        process.toHandle().destroyForcibly();
        boolean interrupted = false;
        while (true) {
            try {
                process.waitFor(); // reap it: a killed process exits at once
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        kill();
        try {
            console.awaitEnd(OUTPUT_DRAIN);
            stderr.awaitEnd(OUTPUT_DRAIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // still remove the files below
        }
        layout.remove();
    }

    @Override
    public String toString() {
        return "firecracker VM " + id + " (pid " + process.pid() + ", socket " + api.socket() + ")";
    }
}
