// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.hearth.core.receipt.ResourceUsage;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.OutputLimits;
import dev.hearth.sandbox.Outputs;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A job in a container taken from a warm pool: the container was created from the job's pool key with the same
 * host configuration as a cold one and idles in {@link PoolKey#HOLDER}; {@link #start} runs the job's command in
 * it by exec, as the job's user, in {@code /job}, with the job's environment. The main process of the sandbox is
 * thus the holder, not the job: the job's exit is its exec's exit, and a kill for memory is read from the cgroup
 * ({@link OomKills}). {@link #close()} hands the container to the pool's remover (in the background); it is never
 * used again. Thread-safe: close() may race with await() to abort it.
 */
final class WarmSandbox implements Sandbox {

    private final DockerClient docker;
    private final DockerSandbox container;
    private final long pid;
    private final SandboxSpec job;
    private final Consumer<DockerSandbox> remover;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String execId;
    private volatile ExecStream stream;

    WarmSandbox(DockerClient docker, DockerSandbox container, long pid, SandboxSpec job,
            Consumer<DockerSandbox> remover) {
        this.docker = docker;
        this.container = container;
        this.pid = pid;
        this.job = job;
        this.remover = remover;
    }

    @Override
    public String id() {
        return container.id();
    }

    @Override
    public boolean pooled() {
        return true;
    }

    @Override
    public void start(LogSink sink) throws SandboxException {
        try {
            execId = docker.execCreateCmd(container.id()).withCmd(job.command().toArray(String[]::new))
                    .withUser(job.user()).withWorkingDir(SandboxSpec.WORKSPACE)
                    .withEnv(ContainerSettings.environment(job))
                    .withAttachStdin(false).withAttachStdout(true).withAttachStderr(true).withTty(false)
                    .exec().getId();
            stream = docker.execStartCmd(execId).withDetach(false).withTty(false).exec(new ExecStream(sink));
            container.watchUsage(pid); // after the start, not to delay it: the cgroup's counters are cumulative
        } catch (RuntimeException e) {
            throw DockerErrors.translate("start job " + job.name() + " in pooled container " + container.name(), e);
        }
    }

    @Override
    public Optional<ExitStatus> await(Duration timeout) throws SandboxException, InterruptedException {
        ExecStream s = stream;
        if (s == null) {
            throw new IllegalStateException("sandbox " + job.name() + " was not started");
        }
        if (!s.ended.await(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        if (closed.get()) {
            throw new SandboxException("pooled container " + container.name() + " of job " + job.name()
                    + " was closed while its workload ran");
        }
        return Optional.of(exitStatus());
    }

    private ExitStatus exitStatus() throws SandboxException {
        try {
            Long code = docker.inspectExecCmd(execId).exec().getExitCodeLong();
            long exit = code == null ? 137 : code; // an exec whose container was stopped under it reads null
            boolean oom = exit == 137 && OomKills.of(Path.of("/"), pid).map(OomKills::count).orElse(0L) > 0;
            return new ExitStatus(exit, oom, Instant.now());
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect the exit of job " + job.name(), e);
        }
    }

    /**
     * Stops the container: the engine's SIGTERM goes to the holder, whose end ends the container and kills the job
     * at once (a pooled job gets no grace period of its own; the cold path's SIGTERM reaches the job itself).
     */
    @Override
    public ExitStatus stop(Duration grace) throws SandboxException, InterruptedException {
        try {
            try {
                docker.stopContainerCmd(container.id()).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
            } catch (NotModifiedException alreadyStopped) {
                // the job or the holder ended first
            }
        } catch (RuntimeException e) {
            throw DockerErrors.translate("stop pooled container " + container.name(), e);
        }
        ExecStream s = stream;
        if (s != null) {
            s.ended.await(grace.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        }
        return execId == null ? new ExitStatus(137, false, Instant.now()) : exitStatus();
    }

    @Override
    public ExecResult exec(List<String> command, Duration timeout) throws SandboxException, InterruptedException {
        return DockerExec.run(docker, container.id(), container.name(), command, Optional.empty(), timeout);
    }

    @Override
    public Optional<InetSocketAddress> endpoint(int guestPort) {
        return Optional.empty(); // pooled sandboxes publish no ports (PoolKey)
    }

    @Override
    public Optional<String> imageDigest() throws SandboxException {
        return container.imageDigest();
    }

    @Override
    public ResourceUsage usage() {
        return container.usage();
    }

    @Override
    public Outputs outputs(OutputLimits limits) throws SandboxException, InterruptedException {
        return container.outputs(limits);
    }

    @Override
    public Outputs outputs(OutputLimits limits, java.nio.file.Path keepIn) throws SandboxException,
            InterruptedException {
        return container.outputs(limits, keepIn);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ExecStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the stream's connection is gone with the container, removed next
            }
        }
        remover.accept(container);
    }

    @Override
    public String toString() {
        return "WarmSandbox[" + job.name() + " in " + container.name() + "]";
    }

    /** The exec's output stream: frames to the sink, and a latch that opens when it ends (or is closed). */
    private static final class ExecStream extends ResultCallback.Adapter<Frame> {

        private final LogSink sink;
        final CountDownLatch ended = new CountDownLatch(1);

        ExecStream(LogSink sink) {
            this.sink = sink;
        }

        @Override
        public void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload != null && payload.length > 0) {
                sink.accept(frame.getStreamType() == StreamType.STDERR ? LogSink.Stream.STDERR
                        : LogSink.Stream.STDOUT, payload, 0, payload.length);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                ended.countDown();
            }
        }
    }
}
