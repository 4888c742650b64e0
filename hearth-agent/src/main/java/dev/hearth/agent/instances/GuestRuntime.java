// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.TerminalSize;
import dev.hearth.sandbox.BuildProgress;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One sandbox kind as instances use it: guests that outlive the process that made them, addressed by the
 * instance's state, acted on by any process (the CLI, the supervisor). Docker implements it now
 * ({@link DockerGuests}); the microVM drivers plug in by implementing it too. Implementations are thread-safe, and
 * every operation on a missing or stopped guest either succeeds as a no-op or says so plainly.
 */
public interface GuestRuntime {

    /** The runtime's name as {@code --runtime} spells it. */
    String name();

    /**
     * Refuses what this runtime cannot do with {@code spec}, before anything is made.
     *
     * @throws dev.hearth.core.InvalidInputException naming the flag
     */
    default void check(dev.hearth.core.instance.InstanceSpec spec) throws InterruptedException {
    }

    /**
     * Makes the image or guest disk ready (the "disk/image" step), building Hearth's own image if needed; {@code spec}
     * is what create was asked (a microVM's own kernel or initrd, say).
     */
    void prepare(dev.hearth.core.instance.InstanceSpec spec, InstanceState state, GuestWorkload workload,
            BuildProgress progress)
            throws SandboxException, InterruptedException;

    /** Creates the guest (not started). */
    void create(InstanceState state, GuestWorkload workload) throws SandboxException, InterruptedException;

    /** Starts the guest; a running one is left as it is. */
    void start(InstanceState state) throws SandboxException;

    /** Stops the guest: politely, then by force after {@code grace}. Works whatever the service inside does. */
    void stop(InstanceState state, Duration grace) throws SandboxException;

    /** Kills the guest's main process as a crash would (tests, and {@code stop} when stop itself fails). */
    void kill(InstanceState state) throws SandboxException;

    /** Removes the guest and everything the runtime made for it; a missing one is fine. */
    void remove(InstanceState state);

    /** The guest's status, or empty when there is no guest. */
    Optional<GuestStatus> status(InstanceState state) throws SandboxException;

    /** Runs a command in the running guest as the workload's user (stdin closed); exit -1 on timeout. */
    ExecResult exec(InstanceState state, List<String> command, Duration timeout)
            throws SandboxException, InterruptedException;

    /**
     * Runs a command, or the guest's shell when {@code command} is empty, attached to the caller's streams (on a
     * terminal of {@code tty}'s size when present); returns its exit code.
     */
    long attach(InstanceState state, List<String> command, Optional<TerminalSize> tty, InputStream in,
            OutputStream out, OutputStream err) throws SandboxException, InterruptedException;

    /**
     * Writes a file into the guest through the runtime's own channel (never a command line), owned by {@code uid}.
     */
    void writeFile(InstanceState state, String folder, String name, byte[] content, int mode, int uid)
            throws SandboxException;

    /** Streams the guest's output: the last {@code tail} lines (all if negative), then new output if following. */
    Closeable logs(InstanceState state, int tail, boolean follow, LogSink sink) throws SandboxException;

    /**
     * How many times slower than on the host's own CPU the guest of {@code state} runs: 1 for containers and
     * KVM guests, more for a guest whose CPU QEMU emulates (TCG). Waits for the guest (boot, provisioning, health)
     * are stretched by it, so an emulated guest is given the time it needs rather than failed as hung.
     */
    default int slowdown(InstanceState state) {
        return 1;
    }

    /**
     * Keeps the host files of the guest of {@code state} bounded (a microVM's console log); called by the
     * supervisor on every pass, whatever the instance's state. Does nothing by default.
     */
    default void tidy(InstanceState state) throws SandboxException {
    }

    /**
     * Serves the DNS of the guest of {@code state}, whose instance has an egress allowlist, from the calling
     * long-lived process (the supervisor), writing its allowlist rules again first; empty when this runtime's guests
     * need no such server (no allowlist). Closing what is returned stops the server and leaves the rules.
     */
    default Optional<AutoCloseable> serveDns(InstanceState state) throws SandboxException {
        return Optional.empty();
    }

    /**
     * Saves the running guest of {@code state} to disk and ends it, so its memory is freed, waiting up to
     * {@code within}; {@link #resume} goes on from where it was. Refused by runtimes that cannot (Docker: its
     * {@code pause} freezes a container but keeps its memory, and its checkpoints need CRIU and an experimental
     * engine).
     *
     * @throws SandboxException naming the runtime when it cannot pause, or when the guest cannot be saved
     */
    default void pause(InstanceState state, Duration within) throws SandboxException, InterruptedException {
        throw new SandboxException("the " + name() + " runtime cannot pause instance " + state.id() + " to disk ("
                + "a paused container keeps its memory); pausing is for instances on the qemu runtime");
    }

    /** Starts the paused guest of {@code state} again from its saved state; a running one is left as it is. */
    default void resume(InstanceState state) throws SandboxException {
        throw new SandboxException("the " + name() + " runtime cannot resume instance " + state.id()
                + "; pausing is for instances on the qemu runtime");
    }

    /** Whether this runtime can pause its guests to disk ({@link #pause}). */
    default boolean canPause() {
        return false;
    }

    /** Whether the guest of {@code state} is paused: saved to disk and not running. */
    default boolean paused(InstanceState state) {
        return false;
    }

    /** Names of guests this runtime holds for {@code id} under this state root (to prove none is left). */
    List<String> leftovers(String id) throws SandboxException;
}
