// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.ImageNotFoundException;
import dev.hearth.sandbox.OwnerProcess;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.host.HostCommand;
import dev.hearth.sandbox.net.GuestAllowlists;
import dev.hearth.sandbox.net.GuestAllowlists.GuestAllowlist;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import dev.hearth.sandbox.vm.Vmm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sandboxes as microVMs on any {@link Vmm} (QEMU microvm, Firecracker): one VM per sandbox, booting a
 * {@link GuestImage} whose init runs the workload from a per-VM {@link ConfigDrive} and reports over the serial
 * console (see {@link GuestFrames}).
 *
 * <p>Limits: the VM gets {@code ceil(cpus)} vCPUs (or {@link MicroVmSettings#vcpus()}) and the guest's cgroup
 * enforces the exact quota ({@code cpu.max}); the VM's memory is the job's limit plus {@value #GUEST_OVERHEAD_MIB}
 * MiB for the guest kernel and init, and the guest's cgroup enforces the limit ({@code memory.max}, OOM reported);
 * the pids limit is the guest cgroup's {@code pids.max}.
 *
 * <p>Each VM has a private run folder under {@code runRoot} (config drive, own rootfs copy when sized, QMP socket);
 * {@link Sandbox#close()} kills the VM, detaches its NIC and removes the folder, whatever state it is in.
 * Thread-safe.
 */
public final class MicroVmDriver implements SandboxDriver {

    /** Guest memory on top of the job's limit, for the guest kernel, init and page cache. */
    static final int GUEST_OVERHEAD_MIB = 96;
    /** The least memory limit a job in a microVM may ask for. */
    static final ByteSize MIN_JOB_MEMORY = new ByteSize(16L << 20);
    /**
     * The kernel command line for a VMM: serial console, root read-only (init remounts it when asked), quiet, and
     * the reboot that ends the VMM process: Firecracker's emulated i8042 reset ({@code reboot=k}), a triple fault
     * for QEMU's microvm (no i8042 there; {@code -no-reboot} turns the reset into an exit).
     */
    public static String bootArgs(String vmm) {
        return "console=ttyS0 reboot=" + (vmm.equals("firecracker") ? "k" : "t")
                + " panic=-1 root=/dev/vda ro rootfstype=ext4 init=/sbin/hearth-init quiet loglevel=1";
    }

    private static final Logger log = LoggerFactory.getLogger(MicroVmDriver.class);

    private final Vmm vmm;
    private final GuestImage image;
    private final Optional<VmNetwork> network;
    private final Path runRoot;
    private final MicroVmSettings settings;
    private final InstantSource clock;
    private final Set<MicroVmSandbox> open = ConcurrentHashMap.newKeySet();
    private final GuestAllowlists allowlists = new GuestAllowlists();

    /**
     * @param vmm the VMM that boots the VMs
     * @param image the kernel and rootfs every VM boots
     * @param network host networking for VMs with network {@code nat}; empty allows only network {@code none}
     * @param runRoot the folder under which each VM gets its private run folder
     * @param settings VM sizing beyond the spec
     * @param clock the source of exit times
     */
    public MicroVmDriver(Vmm vmm, GuestImage image, Optional<VmNetwork> network, Path runRoot,
            MicroVmSettings settings, InstantSource clock) {
        this.vmm = vmm;
        this.image = image;
        this.network = network;
        this.runRoot = runRoot.toAbsolutePath();
        this.settings = settings;
        this.clock = clock;
        settings.diskSize().ifPresent(size -> {
            long rootfsBytes;
            try {
                rootfsBytes = Files.size(image.rootfs());
            } catch (IOException e) {
                throw new InvalidInputException("--base-rootfs", image.rootfs().toString(), "a readable file");
            }
            checkDiskSize(size, rootfsBytes);
        });
    }

    private void checkDiskSize(ByteSize size, long rootfsBytes) {
        if (size.bytes() < rootfsBytes) {
            throw new InvalidInputException("--disk-size", size.toString(), "at least the root filesystem's size, "
                    + new ByteSize(rootfsBytes) + " (" + image.rootfs() + ")");
        }
    }

    /** Where VMs' run folders go by default: {@code /run/hearth/vm} for root, else under the temp folder. */
    public static Path defaultRunRoot() {
        return "root".equals(System.getProperty("user.name")) ? Path.of("/run/hearth/vm")
                : Path.of(System.getProperty("java.io.tmpdir"), "hearth-vm-" + System.getProperty("user.name"));
    }

    @Override
    public String name() {
        return vmm.name();
    }

    @Override
    public Set<DriverCapability> capabilities() {
        Set<DriverCapability> c = EnumSet.of(DriverCapability.EXEC);
        if (network.isPresent()) {
            c.add(DriverCapability.NETWORK_NAT);
            c.add(DriverCapability.PUBLISHED_PORTS); // a loopback proxy to the guest's address
        }
        return c;
    }

    /** The guest image this driver boots. */
    public GuestImage image() {
        return image;
    }

    /** The VMM this driver runs. */
    public Vmm vmm() {
        return vmm;
    }

    /** The folder under which VMs' run folders are made. */
    public Path runRoot() {
        return runRoot;
    }

    @Override
    public MicroVmSandbox create(SandboxSpec spec) throws SandboxException, InterruptedException {
        return create(spec, false);
    }

    /**
     * Warm pools of VMs on this driver: VMs booted ahead of their jobs from a config drive with the pool key's
     * settings only, handed one job each over the console ({@link MicroVmWarmPools}). Closing the pools closes this
     * driver.
     */
    public WarmPoolDriver warmPools(PoolSettings pools) {
        return new MicroVmWarmPools(this, pools, clock);
    }

    /**
     * Starts of this driver's VMs from saved templates: per {@link VmPoolKey}, one VM is booted and saved, and each
     * later job's VM is a copy of it restored from that state ({@link MicroVmClones}); a template no job asked for
     * within {@code idleLimit} is removed (and made again when asked for). QEMU only. Closing it closes this driver.
     *
     * @throws IllegalStateException when this driver's VMM is not QEMU
     */
    public MicroVmClones snapshotStarts(Duration idleLimit) {
        if (!(vmm instanceof QemuVmm qemu)) {
            throw new IllegalStateException("VM starts from a saved template need the qemu runtime, not " + name());
        }
        return new MicroVmClones(this, qemu, idleLimit);
    }

    /**
     * A VM for {@code spec} restored from {@code template} (see {@link MicroVmClones}): its own run folder with the
     * owner record and a copy of the template's state image, the template's machine and drives, no NIC; not started.
     */
    MicroVmSandbox createClone(SandboxSpec spec, MicroVmClones.Template template, ConsoleJob job)
            throws SandboxException {
        String id = vmId(spec.name());
        Path runDir = makeRunDir(id);
        try {
            new OwnerRecord(OwnerProcess.current(), Optional.empty()).write(runDir);
            Path state = runDir.resolve("state.qcow2");
            Files.copy(template.state(), state);
            Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            VmConfig t = template.config();
            // the template's config drive, linked: read-only for every clone, and kept when the template is removed
            List<VmDrive> drives = new ArrayList<>();
            for (VmDrive d : t.drives()) {
                if (d.path().startsWith(template.dir())) {
                    Path link = Files.createLink(runDir.resolve(d.path().getFileName()), d.path());
                    drives.add(new VmDrive(d.id(), link, d.root(), d.readOnly()));
                } else {
                    drives.add(d);
                }
            }
            VmConfig vm = new VmConfig(id, t.vcpus(), t.memoryMib(), t.kernel(), t.initrd(), t.bootArgs(), drives,
                    Optional.empty(), runDir);
            QemuVmm qemu = (QemuVmm) vmm;
            MicroVmSandbox sandbox = MicroVmSandbox.clone(spec.name(), vm, vmm, clock, open::remove,
                    (c, console) -> qemu.restore(c, state, console), job);
            open.add(sandbox);
            return sandbox;
        } catch (IOException | RuntimeException e) {
            MicroVmSandbox.removeRunDir(runDir);
            throw new SandboxException("cannot make microVM " + id + " from its template: " + e.getMessage(), e);
        }
    }

    /** Makes the private folder {@code id} in the run root (mode 0700), refusing one that exists. */
    Path makeRunDir(String id) throws SandboxException {
        Path runDir = runRoot.resolve(id);
        try {
            Files.createDirectories(runRoot);
            Files.createDirectory(runDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new SandboxException("a microVM named " + id + " already exists (" + runDir + ")", e);
        } catch (IOException e) {
            throw new SandboxException("cannot make the run folder " + runDir + ": " + e.getMessage(), e);
        }
        return runDir;
    }

    /**
     * A VM for a warm pool, made as {@link #create} makes a cold one from {@code holder} (the pool key's settings,
     * no job), but with a config drive that tells the guest init to wait for its job on the console; not launched.
     */
    MicroVmSandbox createPooled(SandboxSpec holder) throws SandboxException, InterruptedException {
        return create(holder, true);
    }

    private MicroVmSandbox create(SandboxSpec spec, boolean pooled) throws SandboxException, InterruptedException {
        if (!spec.allow().isEmpty() && !(network.orElse(null) instanceof HostNetwork)) {
            // refused rather than run with the whole internet: only Hearth's own bridge has per-guest fences
            throw new SandboxException("sandbox " + spec.name() + " has an egress allowlist (" + spec.allow()
                    + "), which this driver's network cannot enforce; run it on Hearth's host network");
        }
        Plan plan = plan(spec);
        String id = vmId(spec.name());
        Path runDir = makeRunDir(id);
        MicroVmSandbox sandbox = null;
        Optional<VmNic> nic = Optional.empty();
        Optional<GuestAllowlist> allowlist = Optional.empty();
        try {
            OwnerProcess owner = OwnerProcess.current();
            new OwnerRecord(owner, nic).write(runDir); // before anything that outlives this process is made
            if (spec.network() == NetworkMode.NAT) {
                nic = Optional.of(network.orElseThrow().attach(id));
                new OwnerRecord(owner, nic).write(runDir);
                if (!spec.allow().isEmpty()) {
                    allowlist = Optional.of(allowlists.admit((HostNetwork) network.orElseThrow(), nic.get(),
                            spec.allow()));
                }
            }
            Path rootfs = plan.diskBytes().isPresent() ? ownRootfs(runDir, plan.diskBytes().get()) : image.rootfs();
            boolean rootReadOnly = plan.diskBytes().isEmpty();
            ConfigDrive.Settings drive = new ConfigDrive.Settings(spec.user(), spec.limits().pids(),
                    spec.limits().memory().bytes(), plan.cpuMax(), spec.tmpSize().bytes(), spec.readOnlyRoot(), id,
                    nic);
            Path config = pooled ? ConfigDrive.writePooled(runDir, spec.name(), drive)
                    : ConfigDrive.write(runDir, spec, drive);
            VmConfig vm = new VmConfig(id, plan.vcpus(), plan.memoryMib(), image.kernel(), image.initrd(),
                    bootArgs(vmm.name()), List.of(new VmDrive("rootfs", rootfs, true, rootReadOnly),
                            new VmDrive("config", config, false, true)), nic, runDir);
            Optional<GuestAllowlist> fenced = allowlist;
            sandbox = new MicroVmSandbox(spec.name(), vm, vmm, network, spec.ports(), clock, s -> {
                open.remove(s);
                fenced.ifPresent(GuestAllowlist::close);
            });
            open.add(sandbox);
            return sandbox;
        } catch (SandboxException | RuntimeException | InterruptedException e) {
            if (sandbox != null) {
                sandbox.close();
            } else {
                allowlist.ifPresent(GuestAllowlist::close);
                nic.ifPresent(n -> network.orElseThrow().detach(n));
                MicroVmSandbox.removeRunDir(runDir);
            }
            throw e;
        }
    }

    /** What a spec turns into, worked out and checked before anything is made. */
    record Plan(int vcpus, int memoryMib, String cpuMax, Optional<Long> diskBytes) {
    }

    Plan plan(SandboxSpec spec) throws SandboxException {
        if (!BaseImages.isBuiltIn(spec.image()) || BaseImages.PYTHON.equals(spec.image())) {
            throw new ImageNotFoundException(spec.image(), "image " + spec.image() + " cannot run in a microVM: the " + name()
                    + " runtime boots Hearth's guest root filesystem (busybox; build it with 'hearth image "
                    + "build-vm' or give your own with --base-rootfs); 'hearth image import' makes images for the "
                    + "docker runtime only", null);
        }
        if (spec.command().isEmpty()) {
            throw new InvalidInputException("command", null, "a command to run: a microVM image has no default one");
        }
        if (!spec.mounts().isEmpty()) {
            throw new InvalidInputException("mounts", spec.mounts().toString(),
                    "none: host folders cannot be mounted into a microVM; deliver files instead");
        }
        if (!spec.gpus().equals(dev.hearth.core.job.GpuRequest.NONE)) {
            throw new InvalidInputException("gpus", spec.gpus().toString(), "none: microVMs get no GPUs");
        }
        if (spec.network() == NetworkMode.NAT && network.isEmpty()) {
            throw new InvalidInputException("network", "nat",
                    "none: this " + name() + " runtime has no host networking configured");
        }
        if (!spec.ports().isEmpty() && spec.network() != NetworkMode.NAT) {
            throw new InvalidInputException("ports", spec.ports().toString(),
                    "none without network nat: a microVM port is reached at its guest address");
        }
        ConfigDrive.environment(spec); // refuses bad variable names before anything is made
        Sizing sizing = size(spec.limits(), settings);
        Optional<Long> disk = Optional.empty();
        if (settings.diskSize().isPresent() || !spec.readOnlyRoot()) {
            long rootfsBytes = sizeOf(image.rootfs());
            settings.diskSize().ifPresent(size -> checkDiskSize(size, rootfsBytes));
            long want = settings.diskSize().map(ByteSize::bytes).orElse(rootfsBytes);
            disk = Optional.of(want);
        }
        return new Plan(sizing.vcpus(), sizing.memoryMib(), sizing.cpuMax(), disk);
    }

    /** A VM's vCPUs, memory and the guest cgroup's CPU quota for a job's limits. */
    public record Sizing(int vcpus, int memoryMib, String cpuMax) {
    }

    /**
     * Sizes a VM for {@code limits}: vCPUs = the quota rounded up (or {@code settings.vcpus()}), with the exact
     * quota enforced in the guest; memory = the limit plus the guest's overhead.
     *
     * @throws InvalidInputException when the limits cannot be given to a microVM (over 32 vCPUs, memory under the floor)
     */
    public static Sizing size(dev.hearth.core.job.Limits limits, MicroVmSettings settings) {
        if (limits.memory().bytes() < MIN_JOB_MEMORY.bytes()) {
            throw new InvalidInputException("memory", limits.memory().toString(),
                    "at least " + MIN_JOB_MEMORY + " in a microVM");
        }
        double cpus = limits.cpus().cpus();
        int vcpus = settings.vcpus().orElseGet(() -> (int) Math.ceil(cpus));
        if (vcpus > VmConfig.MAX_VCPUS) {
            throw new InvalidInputException("cpus", limits.cpus().toString(),
                    "at most " + VmConfig.MAX_VCPUS + " CPUs in a microVM (one vCPU per CPU, rounded up)");
        }
        long quota = Math.max(1000, Math.round(cpus * 100_000));
        String cpuMax = quota >= vcpus * 100_000L ? "max 100000" : quota + " 100000";
        long memMib = Math.max(VmConfig.MIN_MEMORY_MIB, limits.memory().mebibytes() + GUEST_OVERHEAD_MIB);
        if (memMib > Integer.MAX_VALUE) {
            throw new InvalidInputException("memory", limits.memory().toString(), "a size a VM can have");
        }
        return new Sizing(vcpus, (int) memMib, cpuMax);
    }

    private static long sizeOf(Path p) throws SandboxException {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new SandboxException("cannot read the size of " + p + ": " + e.getMessage(), e);
        }
    }

    /** A private, writable copy of the rootfs grown to {@code bytes}: copy, truncate, e2fsck, resize2fs. */
    private Path ownRootfs(Path runDir, long bytes) throws SandboxException, InterruptedException {
        Path copy = runDir.resolve("rootfs.ext4");
        try {
            Files.copy(image.rootfs(), copy, StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
            throw new SandboxException("cannot copy the rootfs " + image.rootfs() + ": " + e.getMessage(), e);
        }
        if (bytes > sizeOf(copy)) {
            HostCommand.run(List.of("truncate", "-s", Long.toString(bytes), copy.toString()), Duration.ofMinutes(1));
            HostCommand.run(List.of("e2fsck", "-f", "-p", copy.toString()), Duration.ofMinutes(5));
            HostCommand.run(List.of("resize2fs", copy.toString()), Duration.ofMinutes(5));
        }
        return copy;
    }

    /** The VM id for a sandbox name: the name itself when it is a valid VM id, else a hash of it. */
    public static String vmId(String name) {
        if (name.matches("[a-z0-9-]{1,40}")) {
            return name;
        }
        return "vm-" + ContentCache.digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 20);
    }

    @Override
    public void ping() throws SandboxException {
        if (vmm instanceof QemuVmm q) {
            q.check();
        }
        if (!Files.isRegularFile(image.kernel()) || !Files.isRegularFile(image.rootfs())) {
            throw new SandboxException("the guest image is gone: " + image);
        }
    }

    /**
     * Frees what microVMs under this driver's run root left behind when the process that ran them died without
     * closing them (SIGKILL, a crash): kills their VMM (found by command line, never by a recorded pid alone),
     * detaches their NIC through this driver's network and removes their run folder. VMs of live processes,
     * including this one's, are left alone; a dead owner's VM with a NIC is left for a driver with host networking
     * when this one has none. Call it once when a driver comes up, as {@code hearth run} does.
     *
     * @return how many orphaned VMs were reaped
     */
    public int reapOrphans() throws InterruptedException {
        return new OrphanReaper(runRoot, network, clock).reap();
    }

    /** Sandboxes this driver made and has not closed yet. */
    public int openSandboxes() {
        return open.size();
    }

    @Override
    public void close() {
        for (MicroVmSandbox s : new ArrayList<>(open)) {
            s.close();
        }
        allowlists.close();
        log.debug("microVM driver {} closed", name());
    }
}
