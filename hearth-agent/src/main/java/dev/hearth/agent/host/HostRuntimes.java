// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.host;

import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.Instances;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.core.job.Limits;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.sandbox.docker.ImagePolicy;
import dev.hearth.sandbox.firecracker.FirecrackerGuests;
import dev.hearth.sandbox.firecracker.FirecrackerSettings;
import dev.hearth.sandbox.firecracker.FirecrackerVmm;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.QemuGuests;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place a host's sandbox runtimes are built from its {@link HostSettings}: a {@link SandboxDriver} per
 * offered runtime (Docker, QEMU microVMs, Firecracker where KVM runs guests), the Docker engine's images, its warm
 * pools, and the host's long-lived instances. {@code hearth run}, {@code hearth agent} and {@code hearth instance}
 * all obtain their drivers here, so a runtime is set up the same way whoever asks, and its errors name the runtime
 * and what is missing. Every offered runtime is built by {@link #open}, so a host that cannot run one is refused at
 * start rather than at its first job.
 *
 * <p>Thread-safe once open; {@link #close()} closes every driver it built (not a {@link #lent()} view's).
 */
public final class HostRuntimes implements AutoCloseable {

    /** The runtimes whose sandboxes are kept warm for jobs ({@link #jobDrivers}). */
    private static final java.util.Set<String> POOLED = java.util.Set.of("docker", "qemu");

    private final HostSettings settings;
    private final Map<String, SandboxDriver> drivers;
    private final DockerDriver docker;
    private final boolean owner;

    private HostRuntimes(HostSettings settings, Map<String, SandboxDriver> drivers, DockerDriver docker,
            boolean owner) {
        this.settings = settings;
        this.drivers = drivers;
        this.docker = docker;
        this.owner = owner;
    }

    /**
     * Builds the driver of every runtime {@code settings} offer, Docker first; on a failure closes those already
     * built.
     *
     * @param progress where a guest image build (first use, when the settings allow it) reports
     * @throws EngineUnavailableException naming the runtime and what is missing (no Docker engine, no QEMU binary,
     *     no guest image: run {@code hearth image build-vm}, no KVM for Firecracker)
     * @throws InvalidInputException naming the setting that is malformed (a subnet, a disk size)
     */
    public static HostRuntimes open(HostSettings settings, BuildProgress progress)
            throws SandboxException, InterruptedException {
        Map<String, SandboxDriver> built = new LinkedHashMap<>();
        DockerDriver docker = null;
        try {
            for (String name : settings.runtimes()) {
                if (name.equals("docker")) {
                    docker = connect(settings);
                    built.put(name, docker);
                } else {
                    built.put(name, MicroVmRuntime.driver(name, settings, progress));
                }
            }
        } catch (SandboxException | InterruptedException | RuntimeException e) {
            built.values().forEach(SandboxDriver::close);
            throw e;
        }
        return new HostRuntimes(settings, Map.copyOf(built), docker, true);
    }

    /** Connects to the engine DOCKER_HOST names (or the default socket), pulling as HEARTH_ALLOWED_IMAGES allows. */
    private static DockerDriver connect(HostSettings settings) throws EngineUnavailableException {
        String host = settings.environment().get("DOCKER_HOST");
        return DockerDriver.connect(host == null || host.isBlank() ? DockerDriver.DEFAULT_HOST : host,
                ImagePolicy.from(settings.environment()));
    }

    /**
     * Refuses, naming the flag, job limits this host's microVM sizing cannot give (more CPUs than --vcpus, a disk
     * smaller than the rootfs, ...); only reads the settings.
     */
    public static void checkFits(HostSettings settings, Limits limits) {
        if (settings.microVms()) {
            MicroVmRuntime.checkFits(settings, limits);
        }
    }

    /**
     * Reads and checks the host network settings (BRIDGE_NAME, BRIDGE_ADDR, SUBNET_CIDR, ...) without touching the
     * host.
     *
     * @throws InvalidInputException naming the variable whose value is malformed
     */
    public static void checkNetwork(java.util.Map<String, String> environment) {
        NetworkConfig.fromEnvironment(environment);
    }

    /** The settings this host was built from. */
    public HostSettings settings() {
        return settings;
    }

    /** The runtimes offered, in the settings' order. */
    public List<String> offered() {
        return settings.runtimes();
    }

    /**
     * The driver of {@code runtime}.
     *
     * @throws InvalidInputException naming the runtime when this host does not offer it, with those it does
     */
    public SandboxDriver driver(String runtime) {
        SandboxDriver d = drivers.get(runtime);
        if (d == null) {
            throw new InvalidInputException("runtime", runtime, "a runtime this host offers: "
                    + String.join(", ", offered()));
        }
        return d;
    }

    /** Every offered runtime's driver, by name, in the settings' order. */
    public Map<String, SandboxDriver> drivers() {
        Map<String, SandboxDriver> ordered = new LinkedHashMap<>();
        offered().forEach(name -> ordered.put(name, drivers.get(name)));
        return ordered;
    }

    /** The Docker engine's version, as the node's inventory reports it. */
    public String dockerVersion() throws SandboxException {
        return docker().engineVersion().get("version");
    }

    /** The Docker engine's images. */
    public HostImages images() {
        return new HostImages(docker().images());
    }

    /** Warm pools of Docker sandboxes over this host's engine; the caller closes them. */
    public WarmPoolDriver warmPools(PoolSettings pools) {
        return warmPools("docker", pools);
    }

    /**
     * Warm pools of {@code runtime}'s sandboxes: Docker containers over this host's engine, or QEMU microVMs booted
     * ahead of their jobs by this host's QEMU driver. The caller closes them, which closes that runtime's driver too
     * (its every sandbox): a host keeps its pools for as long as it runs.
     *
     * @throws InvalidInputException naming the runtime when this host does not offer it, or keeps no pools of it
     *     (Firecracker: its VMs are made cold)
     */
    public WarmPoolDriver warmPools(String runtime, PoolSettings pools) {
        SandboxDriver d = driver(runtime);
        if (d instanceof DockerDriver engine) {
            return engine.warmPools(pools);
        }
        if (runtime.equals("qemu") && d instanceof MicroVmDriver vms) {
            return vms.warmPools(pools);
        }
        throw new InvalidInputException("pool runtime", runtime, "docker or qemu: warm pools are kept for those");
    }

    /**
     * Every offered runtime's driver for jobs, by name in the settings' order, those that keep warm pools (docker,
     * qemu) in front of their pools when {@code pools} keeps any ({@link PoolSettings#size()} above 0): a job whose
     * spec a pool matches takes a ready sandbox, any other is made cold as by {@link #drivers()}. Firecracker's VMs
     * are made cold. The caller closes each driver once: a pooled one drains its pools, then closes its runtime's.
     */
    public Map<String, SandboxDriver> jobDrivers(PoolSettings pools) {
        return jobDrivers(pools, false);
    }

    /**
     * As {@link #jobDrivers(PoolSettings)}, and when {@code vmTemplates}, QEMU's job VMs start from a saved template
     * of their shape instead of a boot or a warm pool ({@link MicroVmDriver#snapshotStarts}): one VM per shape is
     * booted and saved, each job's VM is restored from it; jobs that cannot be (network, large files) boot cold. A
     * template no job asked for within the pools' idle limit is removed.
     *
     * @throws InvalidInputException when {@code vmTemplates} and this host does not offer qemu
     */
    public Map<String, SandboxDriver> jobDrivers(PoolSettings pools, boolean vmTemplates) {
        if (vmTemplates && !(drivers.get("qemu") instanceof MicroVmDriver)) {
            throw new InvalidInputException("--vm-templates", "on", "a host that offers the qemu runtime "
                    + "(--runtimes ...,qemu): templates are kept for QEMU microVMs only");
        }
        Map<String, SandboxDriver> jobs = drivers();
        jobs.replaceAll((name, d) -> {
            if (vmTemplates && name.equals("qemu")) {
                return ((MicroVmDriver) d).snapshotStarts(pools.idleLimit());
            }
            return pools.size() > 0 && POOLED.contains(name) ? warmPools(name, pools) : d;
        });
        return jobs;
    }

    /**
     * This host's OpenClaw instances on the runtimes this build has: Docker (this host's engine), and QEMU or
     * Firecracker microVMs on Hearth's bridge (BRIDGE_NAME, BRIDGE_ADDR, SUBNET_CIDR as {@code instances} give them;
     * one allocation file per bridge, shared with the VMs of jobs), guest images from BASE_IMAGES_DIR and VM folders
     * under FC_ROOT. Firecracker is refused at create where it cannot run.
     */
    public Instances instances(InstanceSettings instances) throws java.io.IOException {
        Map<String, String> netEnv = new java.util.HashMap<>(settings.environment());
        netEnv.put("BRIDGE_NAME", instances.bridgeName());
        netEnv.put("BRIDGE_ADDR", instances.bridgeAddr());
        netEnv.put("SUBNET_CIDR", instances.subnetCidr());
        HostNetwork network = HostNetwork.create(NetworkConfig.fromEnvironment(netEnv));
        ContentCache images = ContentCache.fromEnvironment(settings.environment());
        Map<InstanceRuntime, GuestDriver> runtimes = Map.of(
                InstanceRuntime.DOCKER, new DockerGuests(docker(), instances.stateRoot(),
                        OpenClawImage::buildOwn),
                InstanceRuntime.QEMU, new QemuGuests(QemuVmm.fromEnvironment(settings.environment()), network, images,
                        instances.fcRoot()),
                InstanceRuntime.FIRECRACKER, new FirecrackerGuests(FirecrackerVmm.create(
                        FirecrackerSettings.fromEnvironment(settings.environment())), network, images,
                        instances.fcRoot()));
        return Instances.openClaw(instances, runtimes);
    }

    /** A view of this host whose {@link #close()} closes nothing: lent to a user that must not end it. */
    public HostRuntimes lent() {
        return new HostRuntimes(settings, drivers, docker, false);
    }

    private DockerDriver docker() {
        if (docker == null) {
            throw new IllegalStateException("this host was opened without the docker runtime (runtimes "
                    + String.join(",", offered()) + "); open it with docker to use its engine");
        }
        return docker;
    }

    /** Closes every driver this host built; a lent view closes nothing. */
    @Override
    public void close() {
        if (!owner) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (SandboxDriver d : drivers.values()) {
            try {
                d.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("closing " + failures.size() + " runtime(s) failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }
}
