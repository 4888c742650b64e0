// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.receipt.ResourceUsage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One isolated workload: a container or a microVM, created by a {@link SandboxDriver}.
 *
 * <p>Life: {@link #start(LogSink)} once, then {@link #await(Duration)} and/or {@link #stop(Duration)}, and always
 * {@link #close()}, which releases everything the sandbox made whatever state it is in. Methods may be called
 * from different threads; {@code close()} may be called concurrently with {@code await} to abort it, and the aborted
 * {@code await} then throws {@link SandboxException} (it never reports an exit the workload did not make).
 */
public interface Sandbox extends AutoCloseable {

    /** The engine's id for this sandbox (container id, VM id). */
    String id();

    /**
     * Starts the workload and streams its output to {@code sink} until it exits.
     *
     * @throws SandboxException when the engine refuses to start it
     */
    void start(LogSink sink) throws SandboxException;

    /**
     * Waits up to {@code timeout} for the workload to exit; output is fully delivered to the sink before this
     * returns an exit status.
     *
     * @return the exit status, or empty when the workload is still running after {@code timeout}
     */
    Optional<ExitStatus> await(Duration timeout) throws SandboxException, InterruptedException;

    /**
     * Asks the workload to stop (SIGTERM, ACPI power-down), waits up to {@code grace}, then kills it.
     *
     * @return the exit status after stopping
     */
    ExitStatus stop(Duration grace) throws SandboxException, InterruptedException;

    /** Runs a command inside the running sandbox and collects its output. */
    ExecResult exec(List<String> command, Duration timeout) throws SandboxException, InterruptedException;

    /** The loopback address on the host where {@code guestPort} was published, if it was. */
    Optional<InetSocketAddress> endpoint(int guestPort) throws SandboxException;

    /**
     * Whether this sandbox was started ahead of its job by a {@link WarmPoolDriver}'s pool (and never used before),
     * rather than made for the job; false by default.
     */
    default boolean pooled() {
        return false;
    }

    /**
     * Where this sandbox came from, as metrics and logs name it: {@code cold} (made for its job), {@code warm} (taken
     * ready from a pool, {@link #pooled()}) or {@code template} (a microVM restored from a saved template).
     */
    default String origin() {
        return pooled() ? "warm" : "cold";
    }

    /**
     * The content digest of the image the sandbox runs ({@code sha256:...} for a container image), for the job's
     * receipt. Empty when the driver cannot tell; the default.
     */
    default Optional<String> imageDigest() throws SandboxException {
        return Optional.empty();
    }

    /**
     * What the workload used (CPU time, peak memory), as the driver measured it while it ran. Ask after the workload
     * exited and before {@link #close()}; figures the driver cannot tell are null. The default knows nothing.
     */
    default ResourceUsage usage() {
        return ResourceUsage.UNKNOWN;
    }

    /**
     * Reads and hashes the files the workload left in {@link SandboxSpec#OUTPUT_DIR}, within {@code limits}. Ask after
     * the workload exited and before {@link #close()}. The default collects nothing ({@link Outputs#NONE}).
     *
     * @throws SandboxException when the engine cannot hand the folder out
     */
    default Outputs outputs(OutputLimits limits) throws SandboxException, InterruptedException {
        return Outputs.NONE;
    }

    /**
     * As {@link #outputs(OutputLimits)}, also copying each file it lists into {@code keepIn} under its path below
     * {@link SandboxSpec#WORKSPACE} ({@code out/a.txt}) while hashing it, so what is kept is what was hashed; a name
     * that would land outside {@code keepIn} is hashed but not copied. The default copies nothing.
     *
     * @throws SandboxException when the engine cannot hand the folder out, or a copy cannot be written
     */
    default Outputs outputs(OutputLimits limits, java.nio.file.Path keepIn) throws SandboxException,
            InterruptedException {
        return outputs(limits);
    }

    /**
     * Kills the workload if it runs and removes it with everything it made (container, volumes, VM process, TAP,
     * sockets, files). Idempotent; never throws for a sandbox that is already gone.
     */
    @Override
    void close();
}
