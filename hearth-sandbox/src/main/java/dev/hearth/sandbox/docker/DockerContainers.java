// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.TerminalSize;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Long-lived containers addressed by name, for services that outlive the process that made them (instances):
 * unlike {@link DockerDriver#create}, nothing here is closed with the driver, and any process may act on a
 * container another one made. Every operation is idempotent where the engine allows it (stop of a stopped one,
 * remove of a missing one). Thread-safe.
 */
public final class DockerContainers {

    private final DockerClient docker;
    private final SandboxNetwork networks;

    DockerContainers(DockerClient docker, SandboxNetwork networks) {
        this.docker = docker;
        this.networks = networks;
    }

    /**
     * Creates (does not start) a container from the spec with the spec's limits and isolation, labelled with
     * {@code labels} besides Hearth's owner labels. The image must be present. A NAT container gets a network of
     * its own ({@link SandboxNetwork}), removed with it by {@link #remove}.
     *
     * @return the container id
     */
    public String create(SandboxSpec spec, Map<String, String> labels) throws SandboxException {
        Map<String, String> all = new java.util.HashMap<>(OrphanReaper.ownerLabels(spec));
        all.putAll(labels);
        Optional<String> network = spec.network() == dev.hearth.core.job.NetworkMode.NAT
                ? Optional.of(networks.createLasting(spec)) : Optional.empty();
        Optional<String> dns = Optional.empty();
        if (network.isPresent() && !spec.allow().isEmpty()) {
            try {
                dns = Optional.of(networks.gateway(spec.name())); // served by the long-lived process (serveDns)
            } catch (SandboxException e) {
                networks.remove(spec.name());
                throw e;
            }
        }
        try (CreateContainerCmd cmd = docker.createContainerCmd(spec.image())) {
            cmd.withName(spec.name())
                    .withUser(spec.user())
                    .withEnv(ContainerSettings.environment(spec))
                    .withLabels(all)
                    .withExposedPorts(ContainerSettings.exposedPorts(spec))
                    .withAttachStdin(false).withStdinOpen(false).withTty(false)
                    .withHostConfig(ContainerSettings.hostConfig(spec, network, dns));
            if (!spec.command().isEmpty()) {
                cmd.withCmd(spec.command());
            }
            return cmd.exec().getId();
        } catch (RuntimeException e) {
            network.ifPresent(n -> networks.remove(spec.name()));
            throw DockerErrors.translate("create container " + spec.name(), e);
        }
    }

    /**
     * Writes the egress allowlist rules of container {@code name}, made with {@code allow} in its spec, ahead of a
     * start (and again whenever they may be missing: they are replaced in one step, so a running container is never
     * unfenced). The container's DNS server is {@link #serveDns}'s.
     */
    public void fence(String name, List<dev.hearth.core.job.EgressAllow> allow) throws SandboxException {
        networks.fence(name, allow);
    }

    /** Removes container {@code name}'s egress allowlist rules (it stopped); harmless when it has none. */
    public void unfence(String name) {
        networks.unfence(name);
    }

    /**
     * Serves the DNS of container {@code name}, made with {@code allow} in its spec, from this process (which must
     * outlive the container's run: an instance supervisor), writing its allowlist rules again first. Closing the
     * server leaves the rules.
     */
    public dev.hearth.sandbox.net.AllowlistDns serveDns(String name, List<dev.hearth.core.job.EgressAllow> allow) throws SandboxException {
        return networks.serveDns(name, allow);
    }

    /** Starts the container; a running one is left as it is. */
    public void start(String name) throws SandboxException {
        try {
            docker.startContainerCmd(name).exec();
        } catch (NotModifiedException alreadyRunning) {
            // idempotent
        } catch (RuntimeException e) {
            throw DockerErrors.translate("start container " + name, e);
        }
    }

    /** Stops the container: SIGTERM, then SIGKILL after {@code grace}. A stopped or missing one is fine. */
    public void stop(String name, Duration grace) throws SandboxException {
        try {
            docker.stopContainerCmd(name).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
        } catch (NotModifiedException | NotFoundException alreadyStopped) {
            // idempotent
        } catch (RuntimeException e) {
            throw DockerErrors.translate("stop container " + name, e);
        }
    }

    /** Kills the container's main process with {@code signal} (e.g. KILL), as a crash would. */
    public void kill(String name, String signal) throws SandboxException {
        try {
            docker.killContainerCmd(name).withSignal(signal).exec();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("kill container " + name, e);
        }
    }

    /** Removes the container, its anonymous volumes and its network, running or not; a missing one is fine. */
    public void remove(String name) {
        DockerDriver.remove(docker, name, name);
        networks.unfence(name);
        networks.remove(name);
    }

    /** The container's state, or empty when there is no such container. */
    public Optional<ContainerState> inspect(String name) throws SandboxException {
        InspectContainerResponse r;
        try {
            r = docker.inspectContainerCmd(name).exec();
        } catch (NotFoundException gone) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect container " + name, e);
        }
        var s = r.getState();
        Optional<String> ip = Optional.empty();
        if (r.getNetworkSettings() != null && r.getNetworkSettings().getNetworks() != null) {
            ip = r.getNetworkSettings().getNetworks().values().stream().map(ContainerNetwork::getIpAddress)
                    .filter(a -> a != null && !a.isBlank()).findFirst();
        }
        Long code = s.getExitCodeLong();
        return Optional.of(new ContainerState(r.getId(), Boolean.TRUE.equals(s.getRunning()),
                code == null ? 0 : code, Boolean.TRUE.equals(s.getOOMKilled()), time(s.getStartedAt()),
                time(s.getFinishedAt()), ip, s.getError() == null ? "" : s.getError()));
    }

    private static Optional<Instant> time(String text) {
        if (text == null || text.isBlank() || text.startsWith("0001")) {
            return Optional.empty();
        }
        return Optional.of(Instant.parse(text));
    }

    /**
     * Runs a command in the running container as {@code user} and collects its output; stdin is closed.
     *
     * @return the result; exit code -1 when it did not finish within {@code timeout}
     */
    public ExecResult exec(String name, List<String> command, String user, Duration timeout)
            throws SandboxException, InterruptedException {
        return DockerExec.run(docker, name, name, command, Optional.ofNullable(user), timeout);
    }

    /**
     * Runs a command attached to {@code in} and {@code out} (as {@code docker exec -i}, or {@code -it} on a terminal
     * of {@code tty}'s size), until it ends. The engine (API 1.41) makes an exec's terminal 0 by 0 and can size it
     * only once it runs, after the command may have read its size; so the command is started by {@code sh}, which
     * sizes the terminal with {@code stty} first (a container without stty keeps the engine's size).
     *
     * @return its exit code
     */
    public long attach(String name, List<String> command, String user, Optional<TerminalSize> tty, InputStream in,
            OutputStream out, OutputStream err) throws SandboxException, InterruptedException {
        try {
            List<String> argv = tty.map(size -> java.util.stream.Stream.concat(java.util.stream.Stream.of("sh", "-c",
                    "stty rows " + size.rows() + " cols " + size.cols() + " 2>/dev/null; exec \"$0\" \"$@\""),
                    command.stream()).toList()).orElse(command);
            String execId = docker.execCreateCmd(name).withCmd(argv.toArray(String[]::new)).withUser(user)
                    .withTty(tty.isPresent()).withAttachStdin(true).withAttachStdout(true).withAttachStderr(true)
                    .exec().getId();
            boolean terminal = tty.isPresent();
            var done = docker.execStartCmd(execId).withTty(terminal).withStdIn(in).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    try {
                        OutputStream to = frame.getStreamType() == StreamType.STDERR ? err : out;
                        to.write(frame.getPayload());
                        to.flush();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            done.awaitCompletion();
            Long code = docker.inspectExecCmd(execId).exec().getExitCodeLong();
            return code == null ? -1 : code;
        } catch (RuntimeException e) {
            throw DockerErrors.translate("attach to container " + name, e);
        }
    }

    /**
     * Writes one file into the container through the engine (a tar upload: never a command line or environment),
     * owned by {@code uid} with {@code mode}. The folder must exist.
     */
    public void writeFile(String name, String folder, String fileName, byte[] content, int mode, int uid)
            throws SandboxException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buf)) {
            TarArchiveEntry e = new TarArchiveEntry(fileName);
            e.setMode(0100000 | mode);
            e.setUserId(uid);
            e.setGroupId(uid);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
            tar.finish();
        } catch (IOException e) {
            throw new IllegalStateException("writing a tar into memory failed", e);
        }
        try {
            docker.copyArchiveToContainerCmd(name).withTarInputStream(new ByteArrayInputStream(buf.toByteArray()))
                    .withRemotePath(folder).exec();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("write " + folder + "/" + fileName + " into container " + name, e);
        }
    }

    /**
     * Streams the container's output to {@code sink}: the last {@code tail} lines (all when negative), then new
     * output while {@code follow}. Close the result to stop following.
     */
    public Closeable logs(String name, int tail, boolean follow, LogSink sink) throws SandboxException {
        try {
            var cmd = docker.logContainerCmd(name).withStdOut(true).withStdErr(true).withFollowStream(follow);
            if (tail >= 0) {
                cmd.withTail(tail);
            } else {
                cmd.withTailAll();
            }
            return cmd.exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    byte[] p = frame.getPayload();
                    if (p != null && p.length > 0) {
                        sink.accept(frame.getStreamType() == StreamType.STDERR ? LogSink.Stream.STDERR
                                : LogSink.Stream.STDOUT, p, 0, p.length);
                    }
                }
            });
        } catch (RuntimeException e) {
            throw DockerErrors.translate("read the logs of container " + name, e);
        }
    }

    /** Waits until a {@link #logs} stream ends (the container stopped, or it was not following). */
    public static void awaitEnd(Closeable logs) throws InterruptedException {
        if (logs instanceof ResultCallback.Adapter<?> a) {
            a.awaitCompletion();
        }
    }

    /** Names of containers carrying all of {@code labels}, running or not. */
    public List<String> namesWithLabels(Map<String, String> labels) throws SandboxException {
        try {
            return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().stream()
                    .map(c -> c.getNames()[0].replaceFirst("^/", "")).toList();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("list containers", e);
        }
    }
}
