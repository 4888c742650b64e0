// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Ports;
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
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A container made by {@link DockerDriver}. Thread-safe: close() may race with await() to abort it. */
final class DockerSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(DockerSandbox.class);
    /** After the container exits, how long its log stream may take to drain before we stop waiting. */
    private static final Duration LOG_DRAIN = Duration.ofSeconds(10);

    private final DockerClient docker;
    private final String id;
    private final String name;
    private final java.util.function.Consumer<DockerSandbox> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ExitWatch exitWatch;
    private volatile ResultCallback.Adapter<Frame> logStream;
    private volatile CgroupUsage usage;

    DockerSandbox(DockerClient docker, String id, String name, java.util.function.Consumer<DockerSandbox> onClose) {
        this.docker = docker;
        this.id = id;
        this.name = name;
        this.onClose = onClose;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void start(LogSink sink) throws SandboxException {
        try {
            docker.startContainerCmd(id).exec();
            Long pid = docker.inspectContainerCmd(id).exec().getState().getPidLong();
            usage = CgroupUsage.watch(Path.of("/"), pid == null ? 0 : pid, name).orElse(null);
            // Wait only after start: the engine's default condition, not-running, is already true of a created
            // container, and it stays right for one that exits before the wait is registered.
            exitWatch = docker.waitContainerCmd(id).exec(new ExitWatch());
            // Following from the beginning after start loses nothing: the engine keeps the output from the first byte.
            logStream = docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true)
                    .exec(new ResultCallback.Adapter<>() {
                        @Override
                        public void onNext(Frame frame) {
                            byte[] payload = frame.getPayload();
                            if (payload == null || payload.length == 0) {
                                return;
                            }
                            sink.accept(switch (frame.getStreamType()) {
                                case STDERR -> LogSink.Stream.STDERR;
                                default -> LogSink.Stream.STDOUT;
                            }, payload, 0, payload.length);
                        }
                    });
        } catch (RuntimeException e) {
            throw DockerErrors.translate("start container " + name, e);
        }
    }

    /**
     * Starts the container with neither log nor exit stream (a warm pool's idle holder, {@link WarmSandbox}): no
     * engine connection stays open while it waits.
     *
     * @return the container's main process id on the host, or 0 when the engine did not say
     */
    long startIdle() throws SandboxException {
        try {
            docker.startContainerCmd(id).exec();
            Long pid = docker.inspectContainerCmd(id).exec().getState().getPidLong();
            return pid == null ? 0 : pid;
        } catch (RuntimeException e) {
            throw DockerErrors.translate("start container " + name, e);
        }
    }

    /** Starts measuring what the container uses from now on ({@link #usage()}), its main process being {@code pid}. */
    void watchUsage(long pid) {
        usage = CgroupUsage.watch(Path.of("/"), pid, name).orElse(null);
    }

    /** The container's readable name. */
    String name() {
        return name;
    }

    @Override
    public Optional<ExitStatus> await(Duration timeout) throws SandboxException, InterruptedException {
        ExitWatch watch = exitWatch;
        if (watch == null) {
            throw new IllegalStateException("sandbox " + name + " was not started");
        }
        try {
            if (!watch.ended(timeout)) {
                return Optional.empty();
            }
            if (closed.get()) {
                // close() ended the wait stream: the workload did not exit, it is being removed (a running
                // container's inspected exit code reads 0, which would pass for a success)
                throw new SandboxException("container " + name + " was closed while its workload ran");
            }
            ExitStatus status = exitStatus();
            drainLogs();
            return Optional.of(status);
        } catch (RuntimeException e) {
            throw DockerErrors.translate("wait for container " + name, e);
        }
    }

    private void drainLogs() throws InterruptedException {
        ResultCallback.Adapter<Frame> stream = logStream;
        if (stream != null && !stream.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("log stream of container {} did not end {} after it exited; output may be incomplete",
                    name, LOG_DRAIN);
        }
    }

    private ExitStatus exitStatus() {
        InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
        Long code = state.getExitCodeLong();
        Instant finished = state.getFinishedAt() == null || state.getFinishedAt().startsWith("0001")
                ? Instant.now() : Instant.parse(state.getFinishedAt());
        return new ExitStatus(code == null ? -1 : code, Boolean.TRUE.equals(state.getOOMKilled()), finished);
    }

    @Override
    public ExitStatus stop(Duration grace) throws SandboxException, InterruptedException {
        try {
            try {
                docker.stopContainerCmd(id).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
            } catch (NotModifiedException alreadyStopped) {
                log.debug("container {} had already stopped", name);
            }
            ExitWatch watch = exitWatch;
            if (watch != null && !watch.ended(grace.plusSeconds(5))) {
                docker.killContainerCmd(id).exec();
            }
            ExitStatus status = exitStatus();
            drainLogs();
            return status;
        } catch (RuntimeException e) {
            throw DockerErrors.translate("stop container " + name, e);
        }
    }

    @Override
    public ExecResult exec(List<String> command, Duration timeout) throws SandboxException, InterruptedException {
        return DockerExec.run(docker, id, name, command, Optional.empty(), timeout);
    }

    @Override
    public Optional<InetSocketAddress> endpoint(int guestPort) throws SandboxException {
        try {
            Map<ExposedPort, Ports.Binding[]> bindings =
                    docker.inspectContainerCmd(id).exec().getNetworkSettings().getPorts().getBindings();
            Ports.Binding[] found = bindings.get(ExposedPort.tcp(guestPort));
            if (found == null || found.length == 0 || found[0].getHostPortSpec() == null) {
                return Optional.empty();
            }
            return Optional.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(found[0].getHostPortSpec())));
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect ports of container " + name, e);
        }
    }

    @Override
    public Optional<String> imageDigest() throws SandboxException {
        try {
            // The container's image id is the SHA-256 of the image's configuration: its content address.
            return Optional.ofNullable(docker.inspectContainerCmd(id).exec().getImageId());
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect the image of container " + name, e);
        }
    }

    @Override
    public ResourceUsage usage() {
        CgroupUsage watch = usage;
        return watch == null ? ResourceUsage.UNKNOWN : watch.usage();
    }

    @Override
    public Outputs outputs(OutputLimits limits) throws SandboxException, InterruptedException {
        return outputs(limits, null);
    }

    @Override
    public Outputs outputs(OutputLimits limits, java.nio.file.Path keepIn) throws SandboxException,
            InterruptedException {
        // The archive endpoint reads a stopped container's volumes too, so this works after exit, before removal.
        try (InputStream tar = docker.copyArchiveFromContainerCmd(id, SandboxSpec.OUTPUT_DIR).exec()) {
            return OutputArchive.hash(tar, SandboxSpec.WORKSPACE, limits, keepIn);
        } catch (NotFoundException gone) {
            return Outputs.NONE; // no output folder (an image whose workspace was replaced): nothing was written
        } catch (java.io.InterruptedIOException e) {
            InterruptedException stopped = new InterruptedException("reading the outputs of " + name + " interrupted");
            stopped.initCause(e);
            throw stopped;
        } catch (IOException e) {
            throw new SandboxException("reading the outputs of container " + name + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw DockerErrors.translate("read the outputs of container " + name, e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        CgroupUsage watch = usage;
        if (watch != null) {
            watch.close();
        }
        closeQuietly(logStream);
        closeQuietly(exitWatch);
        // An interrupted owner must still remove its container: the engine calls would fail on the interrupt flag.
        boolean interrupted = Thread.interrupted();
        try {
            DockerDriver.remove(docker, id, name);
        } finally {
            onClose.accept(this);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            log.debug("closing a stream of container {} failed: {}", name, e.toString());
        }
    }

    @Override
    public String toString() {
        return "DockerSandbox[" + name + " " + id.substring(0, Math.min(12, id.length())) + "]";
    }

    static boolean isNotFound(RuntimeException e) {
        return e instanceof NotFoundException;
    }

    /**
     * The engine's wait stream for the container's exit. Unlike the library's {@code awaitCompletion(timeout)},
     * which closes the stream when it times out (so a second wait wrongly sees the container as exited),
     * {@link #ended} can be asked again and again.
     */
    private static final class ExitWatch extends WaitContainerResultCallback {

        private final CountDownLatch ended = new CountDownLatch(1);

        @Override
        public void close() throws java.io.IOException {
            try {
                super.close();
            } finally {
                ended.countDown();
            }
        }

        /** Whether the stream ended (the container exited) within {@code timeout}; rethrows a stream error. */
        boolean ended(Duration timeout) throws InterruptedException {
            boolean done = ended.await(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
            if (done) {
                throwFirstError();
            }
            return done;
        }
    }
}
