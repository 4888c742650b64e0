// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.ImagePullPolicy;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.TerminalSize;
import dev.hearth.sandbox.WorkloadKind;
import dev.hearth.sandbox.docker.ContainerState;
import dev.hearth.sandbox.docker.DockerContainers;
import dev.hearth.sandbox.docker.DockerDriver;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Instances as Docker containers: on the engine's bridge (NAT), no port published by Docker (the supervisor's
 * loopback proxy reaches the container's address), the guest's vCPUs and memory as limits, all capabilities dropped,
 * no-new-privileges, a writable root (OpenClaw writes its config and state under its home). Containers are named
 * {@code hearth-ID-<hash of STATE_ROOT>} and labelled with the instance id, so two state roots never collide and
 * a container is found again by any process. Hearth's own images an instance names (OpenClaw's) are built by the
 * {@link OwnImages} it is given, which live above this driver ({@code dev.hearth.sandbox.image}). Thread-safe.
 */
public final class DockerGuests implements GuestDriver {

    static final String LABEL_INSTANCE = "dev.hearth.instance";
    static final String LABEL_ROOT = "dev.hearth.instance.root";
    /** Threads and processes an instance may have: Node and OpenClaw's workers need more than a job's 256. */
    private static final long PIDS = 4096;

    /** Builds one of Hearth's own images that a guest names and the engine lacks. */
    @FunctionalInterface
    public interface OwnImages {

        /**
         * Builds {@code image} on the engine of {@code images} when it is one of Hearth's own; false when it is not
         * (it is then pulled as the engine's policy allows).
         */
        boolean build(DockerImages images, String image, BuildProgress progress)
                throws SandboxException, InterruptedException;
    }

    private final DockerDriver driver;
    private final DockerContainers containers;
    private final String rootHash;
    private final OwnImages own;

    /**
     * Instances of the state root {@code stateRoot} on the engine behind {@code driver}, Hearth's own images built by
     * {@code own}.
     */
    public DockerGuests(DockerDriver driver, java.nio.file.Path stateRoot, OwnImages own) {
        this.driver = driver;
        this.own = own;
        this.containers = driver.containers();
        this.rootHash = Integer.toHexString(stateRoot.toAbsolutePath().normalize().toString().hashCode());
    }

    @Override
    public String name() {
        return "docker";
    }

    /** Refuses the microVM runtimes' {@code --base-kernel}, {@code --base-rootfs} and {@code --base-initrd}. */
    @Override
    public void check(InstanceSpec spec) {
        Map.of("--base-kernel", spec.baseKernel(), "--base-rootfs", spec.baseRootfs(), "--base-initrd",
                spec.baseInitrd()).forEach((flag, value) -> value.ifPresent(v -> {
                    throw new dev.hearth.core.InvalidInputException(flag, v, "nothing on the docker runtime, whose "
                            + "instances share the host's kernel and run an image (--openclaw-image); the flag is for "
                            + "--runtime qemu or firecracker");
                }));
    }

    /** The container name of instance {@code id} under this state root. */
    @Override
    public String guestName(String id) {
        return "hearth-" + id + "-" + rootHash;
    }

    @Override
    public void prepare(InstanceSpec spec, GuestHandle guest, GuestWorkload workload, BuildProgress progress)
            throws SandboxException, InterruptedException {
        if (driver.images().find(workload.image()).isPresent()) {
            progress.detail("image " + workload.image() + " is present");
            return;
        }
        if (!own.build(driver.images(), workload.image(), progress)) {
            driver.images().ensure(workload.image(), ImagePullPolicy.MISSING);
        }
    }

    @Override
    public void create(GuestHandle guest, GuestWorkload workload) throws SandboxException {
        // Docker refuses a CPU quota above the host's CPUs; a microVM's vCPUs may exceed them, a container's not.
        int cpus = Math.min(guest.vcpus(), Runtime.getRuntime().availableProcessors());
        SandboxSpec spec = SandboxSpec.builder(workload.image(), workload.command())
                .name(guest.name())
                .kind(WorkloadKind.INSTANCE)
                .network(new NetworkPolicy(NetworkMode.NAT, guest.allow()))
                .limits(new Limits(new ByteSize((long) guest.memoryMib() << 20), new CpuQuota(cpus * 1_000_000_000L),
                        PIDS))
                .user(workload.user())
                .readOnlyRoot(false)
                .tmpSize(new ByteSize(256L << 20))
                .env(workload.env())
                .pullPolicy(ImagePullPolicy.NEVER)
                .build();
        containers.create(spec, Map.of(LABEL_INSTANCE, guest.id(), LABEL_ROOT, rootHash));
    }

    /** Writes the instance's allowlist rules (when it has one) before the container starts, so it never runs open. */
    @Override
    public void start(GuestHandle guest) throws SandboxException {
        if (!guest.allow().isEmpty()) {
            containers.fence(guest.name(), guest.allow());
        }
        containers.start(guest.name());
    }

    /** Stops the container, then removes its allowlist rules (a start writes them again). */
    @Override
    public void stop(GuestHandle guest, Duration grace) throws SandboxException {
        containers.stop(guest.name(), grace);
        if (!guest.allow().isEmpty()) {
            containers.unfence(guest.name());
        }
    }

    @Override
    public Optional<AutoCloseable> serveDns(GuestHandle guest) throws SandboxException {
        if (guest.allow().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(containers.serveDns(guest.name(), guest.allow()));
    }

    @Override
    public void kill(GuestHandle guest) throws SandboxException {
        containers.kill(guest.name(), "KILL");
    }

    @Override
    public void remove(GuestHandle guest) {
        containers.remove(guest.name());
    }

    @Override
    public Optional<GuestStatus> status(GuestHandle guest) throws SandboxException {
        return containers.inspect(guest.name()).map(DockerGuests::toStatus);
    }

    private static GuestStatus toStatus(ContainerState c) {
        return new GuestStatus(c.running(), c.finishedAt().map(t -> c.exitReason()), c.startedAt(), c.finishedAt(),
                c.ipAddress());
    }

    @Override
    public ExecResult exec(GuestHandle guest, List<String> command, Duration timeout)
            throws SandboxException, InterruptedException {
        return containers.exec(guest.name(), command, "", timeout);
    }

    @Override
    public long attach(GuestHandle guest, List<String> command, Optional<TerminalSize> tty, InputStream in,
            OutputStream out, OutputStream err) throws SandboxException, InterruptedException {
        return containers.attach(guest.name(), command.isEmpty() ? List.of("/bin/sh") : command, "", tty, in,
                out, err);
    }

    @Override
    public void writeFile(GuestHandle guest, String folder, String name, byte[] content, int mode, int uid)
            throws SandboxException {
        containers.writeFile(guest.name(), folder, name, content, mode, uid);
    }

    @Override
    public Closeable logs(GuestHandle guest, int tail, boolean follow, LogSink sink) throws SandboxException {
        return containers.logs(guest.name(), tail, follow, sink);
    }

    @Override
    public void awaitLogs(Closeable logs) throws InterruptedException {
        DockerContainers.awaitEnd(logs);
    }

    @Override
    public List<String> leftovers(String id) throws SandboxException {
        return containers.namesWithLabels(Map.of(LABEL_INSTANCE, id, LABEL_ROOT, rootHash));
    }
}
