// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.instance.InstanceSpec;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Long-lived sandboxes ("guests"), the counterpart of {@link SandboxDriver} for workloads that outlive the process
 * that made them: an instance's container or microVM, created once, then found again, started, stopped, paused and
 * acted on by any process (the CLI, the supervisor, the agent) from its {@link GuestHandle} alone. A job's
 * {@link Sandbox} belongs to the object that made it; a guest belongs to the host, and every call here is
 * self-contained.
 *
 * <p>Implemented beside each driver: {@code docker.DockerGuests}, {@code microvm.QemuGuests},
 * {@code firecracker.FirecrackerGuests}; built where a host's runtimes are built, and checked by one behaviour kit
 * ({@code GuestDriverContract} in this module's test-jar). Implementations are thread-safe, and every operation on
 * a missing or stopped guest either succeeds as a no-op or says so plainly (a {@link SandboxException} naming the
 * guest).
 */
public interface GuestDriver {

    /** The runtime's name as {@code --runtime} spells it. */
    String name();

    /**
     * The name a new guest {@code id} is given on this runtime's engine ({@link GuestHandle#name()}): unique per state
     * root where the engine is shared by several (Docker's containers).
     */
    default String guestName(String id) {
        return "hearth-" + id;
    }

    /**
     * Refuses what this runtime cannot do with {@code spec}, before anything is made.
     *
     * @throws dev.hearth.core.InvalidInputException naming the flag
     */
    default void check(InstanceSpec spec) throws InterruptedException {
    }

    /**
     * Makes the image or guest disk ready (the "disk/image" step), building Hearth's own image if needed; {@code spec}
     * is what create was asked (a microVM's own kernel or initrd, say).
     */
    void prepare(InstanceSpec spec, GuestHandle guest, GuestWorkload workload, BuildProgress progress)
            throws SandboxException, InterruptedException;

    /** Creates the guest (not started). */
    void create(GuestHandle guest, GuestWorkload workload) throws SandboxException, InterruptedException;

    /** Starts the guest; a running one is left as it is. */
    void start(GuestHandle guest) throws SandboxException;

    /** Stops the guest: politely, then by force after {@code grace}. Works whatever the service inside does. */
    void stop(GuestHandle guest, Duration grace) throws SandboxException;

    /** Kills the guest's main process as a crash would (tests, and {@code stop} when stop itself fails). */
    void kill(GuestHandle guest) throws SandboxException;

    /** Removes the guest and everything the runtime made for it; a missing one is fine. */
    void remove(GuestHandle guest);

    /** The guest's status, or empty when there is no guest: how a process finds a guest made by another. */
    Optional<GuestStatus> status(GuestHandle guest) throws SandboxException;

    /** Runs a command in the running guest as the workload's user (stdin closed); exit -1 on timeout. */
    ExecResult exec(GuestHandle guest, List<String> command, Duration timeout)
            throws SandboxException, InterruptedException;

    /**
     * Runs a command, or the guest's shell when {@code command} is empty, attached to the caller's streams (on a
     * terminal of {@code tty}'s size when present); returns its exit code.
     */
    long attach(GuestHandle guest, List<String> command, Optional<TerminalSize> tty, InputStream in,
            OutputStream out, OutputStream err) throws SandboxException, InterruptedException;

    /**
     * Writes a file into the guest through the runtime's own channel (never a command line), owned by {@code uid}.
     */
    void writeFile(GuestHandle guest, String folder, String name, byte[] content, int mode, int uid)
            throws SandboxException;

    /**
     * Streams the guest's output: the last {@code tail} lines (all if negative), then new output if following, until
     * the returned handle is closed. {@link #awaitLogs} waits for such a stream's end.
     */
    Closeable logs(GuestHandle guest, int tail, boolean follow, LogSink sink) throws SandboxException;

    /**
     * Waits until a stream of {@link #logs} ends by itself (the guest stopped, or it was not following); returns at
     * once where this runtime's streams cannot tell (they end only when closed).
     */
    default void awaitLogs(Closeable logs) throws InterruptedException {
    }

    /**
     * How many times slower than on the host's own CPU the guest runs: 1 for containers and KVM guests, more for a
     * guest whose CPU QEMU emulates (TCG). Waits for the guest (boot, provisioning, health) are stretched by it, so
     * an emulated guest is given the time it needs rather than failed as hung.
     */
    default int slowdown(GuestHandle guest) {
        return 1;
    }

    /**
     * Keeps the host files of the guest bounded (a microVM's console log); called by the supervisor on every pass,
     * whatever the guest's state. Does nothing by default.
     */
    default void tidy(GuestHandle guest) throws SandboxException {
    }

    /**
     * Serves the DNS of the guest, which has an egress allowlist, from the calling long-lived process (the
     * supervisor), writing its allowlist rules again first; empty when this runtime's guests need no such server (no
     * allowlist). Closing what is returned stops the server and leaves the rules.
     */
    default Optional<AutoCloseable> serveDns(GuestHandle guest) throws SandboxException {
        return Optional.empty();
    }

    /**
     * Saves the running guest to disk (a snapshot of its memory and devices) and ends it, so its memory is freed,
     * waiting up to {@code within}; {@link #resume} goes on from where it was. Refused by runtimes that cannot
     * (Docker: its {@code pause} freezes a container but keeps its memory, and its checkpoints need CRIU and an
     * experimental engine).
     *
     * @throws SandboxException naming the runtime when it cannot pause, or when the guest cannot be saved
     */
    default void pause(GuestHandle guest, Duration within) throws SandboxException, InterruptedException {
        throw new SandboxException("the " + name() + " runtime cannot pause instance " + guest.id() + " to disk ("
                + "a paused container keeps its memory); pausing is for instances on the qemu runtime");
    }

    /** Starts the paused guest again from its saved state; a running one is left as it is. */
    default void resume(GuestHandle guest) throws SandboxException {
        throw new SandboxException("the " + name() + " runtime cannot resume instance " + guest.id()
                + "; pausing is for instances on the qemu runtime");
    }

    /** Whether this runtime can pause its guests to disk ({@link #pause}). */
    default boolean canPause() {
        return false;
    }

    /** Whether the guest is paused: saved to disk and not running. */
    default boolean paused(GuestHandle guest) {
        return false;
    }

    /** Names of what this runtime holds for guest {@code id} under its state root (to prove none is left). */
    List<String> leftovers(String id) throws SandboxException;
}
