// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.receipt.ResourceUsage;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.OutputLimits;
import dev.hearth.sandbox.Outputs;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WorkloadKind;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job to completion in a sandbox and returns its result with proofs.
 *
 * <p>The sandbox is always closed (container and volumes removed), whatever happens: success, failure, timeout,
 * engine error or interruption. A job that outruns its timeout is stopped with a grace period, then killed, and
 * reported as {@link JobStatus#TIMEOUT}; one killed for memory as {@link JobStatus#OOM}. Thread-safe: one runner
 * may run many jobs at once.
 */
public final class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    /** How long a stopped job gets between SIGTERM and SIGKILL, as the original agent's 10 s. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    /** How often a running job looks for a cancellation request. */
    private static final Duration CANCEL_POLL = Duration.ofMillis(200);

    private final SandboxDriver driver;
    private final int maxLogChars;
    private final Duration stopGrace;
    private final InstantSource clock;
    private final OutputLimits outputLimits;

    /**
     * @param driver the sandbox driver jobs run on
     * @param maxLogChars HN_MAX_LOG_SIZE: characters of output kept in the result
     * @param stopGrace time between the polite stop and the kill of a job past its timeout
     * @param clock the source of start and end times
     */
    public JobRunner(SandboxDriver driver, int maxLogChars, Duration stopGrace, InstantSource clock) {
        this(driver, maxLogChars, stopGrace, clock, OutputLimits.DEFAULT);
    }

    /**
     * @param outputLimits how much of {@link SandboxSpec#OUTPUT_DIR} is hashed for the receipt
     * @see #JobRunner(SandboxDriver, int, Duration, InstantSource)
     */
    public JobRunner(SandboxDriver driver, int maxLogChars, Duration stopGrace, InstantSource clock,
            OutputLimits outputLimits) {
        this.driver = driver;
        this.maxLogChars = maxLogChars;
        this.stopGrace = stopGrace;
        this.clock = clock;
        this.outputLimits = outputLimits;
    }

    /** A runner with the default log cap, stop grace and the system clock. */
    public static JobRunner withDefaults(SandboxDriver driver) {
        return new JobRunner(driver, LogCapture.DEFAULT_MAX_CHARS, DEFAULT_STOP_GRACE, InstantSource.system());
    }

    /**
     * Runs the job; {@code live} sees its output as it is produced.
     *
     * @throws InterruptedException when interrupted; the sandbox is removed before this is thrown
     */
    public JobResult run(JobSpec job, LogSink live) throws InterruptedException {
        return run(job, live, new Cancellation());
    }

    /**
     * Runs the job as {@link #run(JobSpec, LogSink)} does, stopping it early when {@code cancel} asks: the result is
     * then {@link JobStatus#ERROR} with the cancellation's reason and the output so far.
     *
     * @throws InterruptedException when interrupted; the sandbox is removed before this is thrown
     */
    public JobResult run(JobSpec job, LogSink live, Cancellation cancel) throws InterruptedException {
        return execute(job, live, cancel).result();
    }

    /**
     * A job's result with the facts its receipt states beyond the result.
     *
     * @param result the result with its proofs
     * @param imageDigest the content digest of the image it ran in, or null when unknown (it never started)
     * @param usage what it used, as the sandbox measured it ({@link ResourceUsage#UNKNOWN} when it never ran)
     * @param outputs the files it left in {@link SandboxSpec#OUTPUT_DIR}, hashed within the runner's limits
     * @param sandboxStart how long the sandbox took to be created and started (image pull and VM boot included);
     *     empty when it never started
     * @param origin where its sandbox came from ({@link Sandbox#origin()}: cold, warm or template); cold when it had
     *     none
     */
    public record Execution(JobResult result, String imageDigest, ResourceUsage usage, Outputs outputs,
            java.util.Optional<Duration> sandboxStart, String origin) {
    }

    /**
     * Runs the job as {@link #run(JobSpec, LogSink, Cancellation)} does and also reports what its receipt needs.
     *
     * @throws InterruptedException when interrupted; the sandbox is removed before this is thrown
     */
    public Execution execute(JobSpec job, LogSink live, Cancellation cancel) throws InterruptedException {
        return execute(job, live, cancel, null);
    }

    /**
     * Runs the job as {@link #execute(JobSpec, LogSink, Cancellation)} does, also copying the outputs it hashes
     * into {@code keepOutputs} (null: nowhere), under their paths below /job ({@code out/a.txt}).
     *
     * @throws InterruptedException when interrupted; the sandbox is removed before this is thrown
     */
    public Execution execute(JobSpec job, LogSink live, Cancellation cancel, java.nio.file.Path keepOutputs)
            throws InterruptedException {
        Facts facts = new Facts();
        facts.keepOutputs = keepOutputs;
        JobResult result = runIn(job, live, cancel, facts);
        if (facts.outputs.truncated() && result.message() == null) {
            result = new JobResult(result.jobId(), result.status(), result.exitCode(), result.image(),
                    result.startedAt(), result.finishedAt(), result.durationMillis(), result.logs(), result.logBytes(),
                    result.logsTruncated(), result.timestamp(), result.logsHash(), result.executionHash(),
                    "outputs truncated: more than " + outputLimits.maxFiles() + " files or "
                            + outputLimits.maxBytes() + " bytes in " + SandboxSpec.OUTPUT_DIR
                            + "; the receipt lists the first " + facts.outputs.files().size());
        }
        return new Execution(result, facts.imageDigest, facts.usage, facts.outputs,
                java.util.Optional.ofNullable(facts.sandboxStart), facts.origin);
    }

    /** What the sandbox told beyond the result, gathered before it is removed. Confined to the running thread. */
    private static final class Facts {
        String imageDigest;
        ResourceUsage usage = ResourceUsage.UNKNOWN;
        Outputs outputs = Outputs.NONE;
        java.nio.file.Path keepOutputs;
        boolean exited;
        Duration sandboxStart;
        String origin = "cold";
    }

    private JobResult runIn(JobSpec job, LogSink live, Cancellation cancel, Facts facts)
            throws InterruptedException {
        LogCapture capture = new LogCapture(maxLogChars);
        LogSink sink = (stream, bytes, offset, length) -> {
            capture.accept(stream, bytes, offset, length);
            live.accept(stream, bytes, offset, length);
        };
        Instant startedAt = null;
        Sandbox sandbox = null;
        try {
            long creating = System.nanoTime();
            sandbox = driver.create(sandboxSpec(job));
            facts.origin = sandbox.origin();
            startedAt = clock.instant();
            sandbox.start(sink);
            facts.sandboxStart = Duration.ofNanos(System.nanoTime() - creating);
            facts.imageDigest = sandbox.imageDigest().orElse(null);
            long deadline = System.nanoTime() + job.timeout().toNanos();
            Optional<ExitStatus> exit = Optional.empty();
            long left;
            while (exit.isEmpty() && cancel.reason().isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                exit = sandbox.await(Duration.ofNanos(Math.min(left, CANCEL_POLL.toNanos())));
            }
            if (exit.isEmpty() && cancel.reason().isPresent()) {
                ExitStatus stopped = sandbox.stop(stopGrace);
                facts.exited = true;
                log.info("job {} was cancelled: {}", job.id(), cancel.reason().get());
                return result(job, JobStatus.ERROR, stopped.exitCode(), startedAt, capture,
                        "cancelled: " + cancel.reason().get());
            }
            if (exit.isEmpty()) {
                ExitStatus stopped = sandbox.stop(stopGrace);
                facts.exited = true;
                log.info("job {} exceeded its timeout of {} and was stopped", job.id(), job.timeout());
                return result(job, JobStatus.TIMEOUT, stopped.exitCode(), startedAt, capture,
                        "job exceeded its timeout of " + DurationText.format(job.timeout()) + " and was stopped");
            }
            facts.exited = true;
            ExitStatus status = exit.get();
            if (status.oomKilled()) {
                return result(job, JobStatus.OOM, status.exitCode(), startedAt, capture,
                        "killed for exceeding its memory limit of " + job.limits().memory());
            }
            return result(job, status.exitCode() == 0 ? JobStatus.COMPLETED : JobStatus.FAILED, status.exitCode(),
                    startedAt, capture, null);
        } catch (SandboxException e) {
            if (interruption(e)) {
                InterruptedException stopped = new InterruptedException("job " + job.id() + " interrupted");
                stopped.initCause(e);
                throw stopped; // the sandbox is removed first, below
            }
            log.warn("job {} could not run: {}", job.id(), e.getMessage());
            String text = e.getMessage();
            return JobResult.of(job.id(), JobStatus.ERROR, -1, job.image(), startedAt, clock.instant(), text,
                    0, false, text);
        } finally {
            if (sandbox != null) {
                try {
                    if (facts.exited) {
                        gather(job, sandbox, facts);
                    }
                } finally {
                    sandbox.close();
                }
            }
        }
    }

    /** Usage and outputs, read after the exit and before removal; a failure to read them loses only them. */
    private void gather(JobSpec job, Sandbox sandbox, Facts facts) throws InterruptedException {
        facts.usage = sandbox.usage();
        try {
            facts.outputs = facts.keepOutputs == null ? sandbox.outputs(outputLimits)
                    : sandbox.outputs(outputLimits, facts.keepOutputs);
        } catch (SandboxException e) {
            log.warn("job {}: its outputs could not be read, the receipt lists none: {}", job.id(), e.getMessage());
        }
    }

    /** Whether an engine call failed because this thread was interrupted (the HTTP client may clear the flag). */
    private static boolean interruption(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || (t instanceof java.io.InterruptedIOException
                    && !(t instanceof java.net.SocketTimeoutException))) {
                return true;
            }
        }
        return false;
    }

    private JobResult result(JobSpec job, JobStatus status, long exitCode, Instant startedAt, LogCapture capture,
            String message) {
        return JobResult.of(job.id(), status, exitCode, job.image(), startedAt, clock.instant(), capture.text(),
                capture.totalBytes(), capture.truncated(), message);
    }

    /** The sandbox a job runs in: the locked-down defaults, with the job's limits, network, files and env. */
    static SandboxSpec sandboxSpec(JobSpec job) {
        return SandboxSpec.builder(job.image(), job.command())
                .name("hearth-job-" + job.id())
                .kind(WorkloadKind.JOB)
                .env(job.env())
                .secrets(job.secrets())
                .files(job.files())
                .limits(job.limits())
                .network(job.network())
                .gpus(job.gpus())
                .build();
    }
}
