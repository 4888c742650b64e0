// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.units.ByteSize;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.TerminalSize;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.host.HostCommand;
import dev.hearth.sandbox.image.OpenClawImage;
import dev.hearth.sandbox.image.OpenClawVmImage;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import dev.hearth.sandbox.vm.VmNic;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances as microVMs that outlive the command that starts them, whatever the VMM: the VMM runs detached, its
 * serial console (Hearth's guest channel, {@link GuestConsole}) is reachable from any process (the CLI, the
 * supervisor), and everything the guest prints is kept in {@code console.log} in the instance's VM folder
 * ({@code FC_ROOT/ID}, mode 700). The guest boots Hearth's kernel with a disk of its own, a copy of the OpenClaw guest
 * root ({@link OpenClawVmImage}) grown to {@code --disk-size}, a config drive saying what to run, and a NIC on
 * Hearth's bridge ({@link HostNetwork}) at the address the instance's allocator chose. The guest init runs the
 * workload's main command; its exit ends the VM (as a container's main process does), which the supervisor
 * restarts. {@link QemuGuests} (here, beside QEMU's job driver {@link MicroVmDriver}) and
 * {@code firecracker.FirecrackerGuests} say how their VMM is launched and found again.
 * Thread-safe.
 */
public abstract class MicroVmGuests implements GuestDriver {

    private static final Logger log = LoggerFactory.getLogger(MicroVmGuests.class);

    static final String DISK = "disk.ext4";
    private static final String BOOT = "boot.properties";
    private static final Duration WRITE_LIMIT = Duration.ofSeconds(60);
    private static final long PIDS = 4096;
    /** The console log is rotated past this size, one previous file kept: at most about twice this on disk. */
    static final long CONSOLE_LOG_MAX_BYTES = 8L << 20;
    /** Written when a rotation carried the current boot's ready frame away to console.log.1. */
    private static final String BOOT_READY = "boot.ready";
    /** Written once the guest's state is saved and its VMM ended; removed when it runs again. */
    static final String PAUSED = "paused";

    private final HostNetwork network;
    private final ContentCache cache;
    private final Path vmRoot;
    private final VmAllowlists allowlists;

    /** Guests under {@code vmRoot} (FC_ROOT), on {@code network}, from images in {@code cache}. */
    protected MicroVmGuests(HostNetwork network, ContentCache cache, Path vmRoot) {
        this.network = network;
        this.cache = cache;
        this.vmRoot = vmRoot.toAbsolutePath().normalize();
        this.allowlists = new VmAllowlists(network, this.vmRoot);
    }

    /** Boots the guest described by {@code config}, detached, with its files in {@code dir}; returns at once. */
    protected abstract void launch(GuestHandle guest, VmConfig config, Path dir)
            throws SandboxException, IOException, InterruptedException;

    /** The VMM's pid file in {@code dir}. */
    protected abstract Path pidFile(Path dir);

    /** A path in {@code dir} that the VMM's command line names, so a pid is known to be this VM's and no other. */
    protected abstract Path marker(Path dir);

    /** The guest's serial console (Hearth's guest channel) of the VM in {@code dir}. */
    protected abstract GuestConsole console(GuestHandle guest, Path dir);

    /** What the VMM's process is called in messages ("QEMU", "firecracker"). */
    protected abstract String processName();

    /** The log of everything the guest printed, across boots. */
    protected Path consoleLog(Path dir) {
        return dir.resolve("console.log");
    }

    /**
     * Refuses a {@code --base-kernel}, {@code --base-initrd} or {@code --base-rootfs} that is not a readable file, a
     * kernel this VMM does not boot (see {@link #checkKernel}) and a root that is no guest root for an instance (see
     * {@link OpenClawVmImage#unfit}), by flag, before anything is made.
     */
    @Override
    public void check(InstanceSpec spec) throws InterruptedException {
        spec.baseKernel().ifPresent(path -> checkKernel(readable("--base-kernel", path)));
        spec.baseInitrd().ifPresent(path -> readable("--base-initrd", path));
        if (spec.baseRootfs().isPresent()) {
            String path = spec.baseRootfs().get();
            Optional<String> why;
            try {
                why = OpenClawVmImage.unfit(readable("--base-rootfs", path));
            } catch (SandboxException e) {
                why = Optional.of("it cannot be read: " + e.getMessage());
            }
            why.ifPresent(reason -> {
                throw new InvalidInputException("--base-rootfs", path, "an ext4 guest root that holds Hearth's guest "
                        + "side and OpenClaw (" + String.join(", ", OpenClawVmImage.REQUIRED) + "), such as a copy "
                        + "of the one 'hearth image build-openclaw --vm' prints, changed to taste; " + reason);
            });
        }
    }

    private static Path readable(String flag, String path) {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new InvalidInputException(flag, path, "the path of a readable file on this host");
        }
        return hostPath(path);
    }

    /** A --base-* flag's path as the VM's boot records it: absolute, so later boots find it from any folder. */
    private static Path hostPath(String path) {
        return Path.of(path).toAbsolutePath().normalize();
    }

    /**
     * Refuses, naming {@code --base-kernel}, a kernel this VMM cannot boot. The kernel must have what Hearth's has
     * built in: virtio block and net, ext4 and the serial console.
     */
    protected void checkKernel(Path kernel) {
    }

    /** The VM's folder, FC_ROOT/ID. */
    protected Path folder(GuestHandle guest) {
        return vmRoot.resolve(guest.id());
    }

    @Override
    public void prepare(InstanceSpec spec, GuestHandle guest, GuestWorkload workload, BuildProgress progress)
            throws SandboxException, InterruptedException {
        String prefix = OpenClawImage.REPOSITORY + ":";
        if (!workload.image().startsWith(prefix) || workload.image().startsWith(prefix + "c-")) {
            throw new InvalidInputException("--openclaw-image", workload.image(), OpenClawImage.REPOSITORY
                    + ":VERSION on the " + name() + " runtime (its guest root is built from npm by 'hearth image "
                    + "build-openclaw --vm'); other images run on the docker runtime");
        }
        long diskBytes = diskBytes(guest);
        Optional<Path> own = spec.baseKernel().map(MicroVmGuests::hostPath);
        progress.detail(own.map(k -> "guest kernel " + k + " (--base-kernel)").orElse("guest kernel"));
        Path kernel = own.isPresent() ? own.get() : new GuestImages(cache).ensure(progress).kernel();
        Optional<Path> ownRoot = spec.baseRootfs().map(MicroVmGuests::hostPath);
        progress.detail(ownRoot.map(r -> "guest root " + r + " (--base-rootfs)").orElse("guest root"));
        Path rootfs = ownRoot.isPresent() ? ownRoot.get()
                : OpenClawVmImage.ensure(cache, workload.image().substring(prefix.length()), progress);
        Path dir = folder(guest);
        try {
            long rootfsBytes = Files.size(rootfs);
            if (diskBytes < rootfsBytes) {
                throw new InvalidInputException("--disk-size", guest.diskSize(), "at least the guest root's "
                        + (rootfsBytes >> 20) + " MiB");
            }
            Files.createDirectories(vmRoot);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            progress.detail("disk: copy " + (rootfsBytes >> 20) + " MiB root, grow to " + guest.diskSize());
            Path disk = dir.resolve(DISK);
            HostCommand.run(List.of("cp", "--sparse=always", rootfs.toString(),
                    disk.toString()), Duration.ofMinutes(10));
            Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-------"));
            try (var ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
                ch.truncate(Math.max(diskBytes, rootfsBytes));
                if (diskBytes > rootfsBytes) {
                    ch.write(ByteBuffer.allocate(1), diskBytes - 1);
                }
            }
            HostCommand.run(List.of("e2fsck", "-p", "-f", disk.toString()),
                    Duration.ofMinutes(5));
            HostCommand.run(List.of("resize2fs", disk.toString()), Duration.ofMinutes(5));
            Properties boot = new Properties();
            boot.setProperty("kernel", kernel.toString());
            spec.baseInitrd().ifPresent(i -> boot.setProperty("initrd", hostPath(i).toString()));
            try (OutputStream out = Files.newOutputStream(dir.resolve(BOOT))) {
                boot.store(out, "how instance " + guest.id() + " boots");
            }
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the disk of instance " + guest.id() + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static long diskBytes(GuestHandle guest) {
        return ByteSize.parse("--disk-size", guest.diskSize()).bytes();
    }

    @Override
    public void create(GuestHandle guest, GuestWorkload workload) throws SandboxException, InterruptedException {
        Path dir = folder(guest);
        VmNic nic = network.find(guest.id()).isPresent() ? network.find(guest.id()).get()
                : network.attachAt(guest.id(), guest.address().orElseThrow(() -> new SandboxException("instance "
                        + guest.id() + " has no address on bridge " + network.config().bridgeName()
                        + "; a microVM guest's address comes from its caller's allocator")));
        Map<String, String> env = new java.util.LinkedHashMap<>(workload.env());
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, workload.command()).name(guest.name())
                .user(workload.user()).network(NetworkMode.NAT).readOnlyRoot(false).env(env).build();
        long memory = (long) guest.memoryMib() << 20;
        ConfigDrive.write(dir, spec, new ConfigDrive.Settings(workload.user(), PIDS, memory - memory / 8, "max 100000",
                256L << 20, false, guest.id(), Optional.of(nic)));
    }

    @Override
    public void start(GuestHandle guest) throws SandboxException {
        if (pid(guest).isPresent()) {
            return;
        }
        if (paused(guest)) {
            resume(guest); // a paused guest goes on where it was rather than booting afresh
            return;
        }
        boot(guest, false);
    }

    /** Boots the guest afresh, or, when {@code resume}, starts it again from its saved state. */
    private void boot(GuestHandle guest, boolean resume) throws SandboxException {
        Path dir = folder(guest);
        if (!Files.isRegularFile(dir.resolve(DISK))) {
            throw new SandboxException("instance " + guest.id() + " has no guest disk in " + dir
                    + "; destroy it and create it again");
        }
        try {
            Properties boot = new Properties();
            try (InputStream in = Files.newInputStream(dir.resolve(BOOT))) {
                boot.load(in);
            }
            VmNic nic = network.find(guest.id()).orElseThrow(() -> new SandboxException("instance " + guest.id()
                    + " has no NIC on bridge " + network.config().bridgeName() + "; destroy it and create it again"));
            VmConfig config = new VmConfig(guest.id(), guest.vcpus(), guest.memoryMib(),
                    Path.of(boot.getProperty("kernel")), Optional.ofNullable(boot.getProperty("initrd")).map(Path::of),
                    MicroVmDriver.bootArgs(name()),
                    List.of(new VmDrive("rootfs", dir.resolve(DISK), true, false),
                            new VmDrive("config", dir.resolve(ConfigDrive.FILE), false, true)), Optional.of(nic), dir);
            allowlists.fence(guest, nic); // before the VM runs, so it never runs open
            if (resume) {
                // the same boot goes on: its offset and ready frame in the console log still hold
                relaunch(guest, config, dir);
                Files.deleteIfExists(dir.resolve(PAUSED));
                return;
            }
            Files.deleteIfExists(dir.resolve(PAUSED));
            Path consoleLog = consoleLog(dir);
            long offset = Files.exists(consoleLog) ? Files.size(consoleLog) : 0;
            Files.deleteIfExists(dir.resolve(BOOT_READY));
            Files.writeString(dir.resolve("boot.offset"), Long.toString(offset));
            launch(guest, config, dir);
        } catch (IOException e) {
            throw new SandboxException("cannot start instance " + guest.id() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while starting instance " + guest.id(), e);
        }
    }

    /**
     * Saves the running guest to disk and ends its VMM, so its memory is freed; {@link #resume} goes
     * on from there. The VM's NIC, disk and allowlist rules stay, so the guest comes back with the same address.
     *
     * @throws SandboxException when the guest does not run, or this VMM cannot save it (the guest then runs on)
     */
    @Override
    public void pause(GuestHandle guest, Duration within) throws SandboxException, InterruptedException {
        if (pid(guest).isEmpty()) {
            throw new SandboxException("instance " + guest.id() + " is not running, so there is nothing to pause"
                    + (paused(guest) ? " (it is paused already)" : "; start it first"));
        }
        Path dir = folder(guest);
        save(guest, dir, within);
        try {
            Files.writeString(dir.resolve(PAUSED), "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("the guest of instance " + guest.id() + " was saved, but its pause marker "
                    + dir.resolve(PAUSED) + " could not be written: " + e.getMessage(), e);
        }
    }

    /** Starts the paused guest again from its saved state; a running one is left as it is. */
    @Override
    public void resume(GuestHandle guest) throws SandboxException {
        if (pid(guest).isPresent()) {
            return;
        }
        if (!paused(guest)) {
            throw new SandboxException("instance " + guest.id() + " is not paused (no saved state in "
                    + folder(guest) + "); start it instead");
        }
        boot(guest, true);
    }

    @Override
    public boolean paused(GuestHandle guest) {
        return Files.exists(folder(guest).resolve(PAUSED)) && pid(guest).isEmpty();
    }

    /**
     * Saves the running VM in {@code dir} and ends its VMM, waiting up to {@code within}. This VMM cannot by
     * default: it refuses, naming the runtime that can.
     */
    protected void save(GuestHandle guest, Path dir, Duration within) throws SandboxException, InterruptedException {
        throw new SandboxException("the " + name() + " runtime cannot pause instance " + guest.id()
                + " to disk; pausing is for instances on the qemu runtime");
    }

    /** Starts the VM saved in {@code dir} again with {@code config}, detached; returns once it runs. */
    protected void relaunch(GuestHandle guest, VmConfig config, Path dir)
            throws SandboxException, IOException, InterruptedException {
        throw new SandboxException("the " + name() + " runtime cannot resume instance " + guest.id());
    }

    /** The pid of this guest's VMM while it runs: its pid file's process, whose command line names the folder. */
    public Optional<Long> pid(GuestHandle guest) {
        Path pidFile = pidFile(folder(guest));
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String args = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
            return args.contains(marker(folder(guest)).toString()) ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops the VM, then removes its allowlist rules (a start writes them again). A paused guest's saved state is
     * discarded: a stopped guest boots afresh at its next start.
     */
    @Override
    public void stop(GuestHandle guest, Duration grace) throws SandboxException {
        try {
            halt(guest, grace);
            if (pid(guest).isEmpty()) {
                discardSavedState(guest);
            }
        } finally {
            if (!guest.allow().isEmpty() && pid(guest).isEmpty()) {
                network.find(guest.id()).ifPresent(allowlists::unfence);
            }
        }
    }

    private void discardSavedState(GuestHandle guest) throws SandboxException {
        try {
            Files.deleteIfExists(folder(guest).resolve(PAUSED));
        } catch (IOException e) {
            throw new SandboxException("cannot discard the saved state of instance " + guest.id() + ": "
                    + e.getMessage(), e);
        }
    }

    private void halt(GuestHandle guest, Duration grace) throws SandboxException {
        Optional<Long> pid = pid(guest);
        if (pid.isEmpty()) {
            return;
        }
        try {
            console(guest, folder(guest)).terminate();
        } catch (SandboxException e) {
            // the guest does not answer: the kill below stops it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
        try {
            if (handle.isPresent()) {
                handle.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException | ExecutionException e) {
            kill(guest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(guest);
        }
    }

    @Override
    public void kill(GuestHandle guest) throws SandboxException {
        Optional<Long> pid = pid(guest);
        if (pid.isEmpty()) {
            return;
        }
        ProcessHandle.of(pid.get()).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // reported by the pid check below
            }
        });
        if (pid(guest).isPresent()) {
            throw new SandboxException(processName() + " of instance " + guest.id() + " (pid " + pid.get()
                    + ") did not die");
        }
    }

    @Override
    public void remove(GuestHandle guest) {
        try {
            kill(guest);
        } catch (SandboxException e) {
            log.error("{}", e.getMessage());
        }
        try {
            network.find(guest.id()).ifPresent(nic -> {
                if (!guest.allow().isEmpty()) {
                    allowlists.unfence(nic); // with the TAP: a create that failed half-way leaves nothing either
                }
                network.detach(nic);
            });
        } catch (SandboxException e) {
            log.error("cannot detach instance {}: {}", guest.id(),
                    e.getMessage());
        }
        try {
            if (Files.exists(folder(guest))) {
                ContentCache.deleteTree(folder(guest));
            }
        } catch (IOException e) {
            log.error("cannot remove {}: {}", folder(guest),
                    e.getMessage());
        }
    }

    /** Serves the guest's DNS from this process (the supervisor), writing its rules again with this server's port. */
    @Override
    public Optional<AutoCloseable> serveDns(GuestHandle guest) throws SandboxException {
        if (guest.allow().isEmpty()) {
            return Optional.empty();
        }
        VmNic nic = network.find(guest.id()).orElseThrow(() -> new SandboxException("instance " + guest.id()
                + " has no NIC on bridge " + network.config().bridgeName() + " yet; its DNS is served once create "
                + "attached one (if it stays so, destroy it and create it again)"));
        return allowlists.serve(guest, nic);
    }

    /**
     * Rotates the console log past {@link #CONSOLE_LOG_MAX_BYTES} (see {@link ConsoleLog#rotate}); the current boot's
     * offset moves to the new log's start, and whether that boot was already up is kept in {@code boot.ready}.
     */
    @Override
    public void tidy(GuestHandle guest) throws SandboxException {
        Path dir = folder(guest);
        ConsoleLog log = new ConsoleLog(consoleLog(dir));
        try {
            if (!Files.isRegularFile(consoleLog(dir)) || Files.size(consoleLog(dir)) <= CONSOLE_LOG_MAX_BYTES) {
                return;
            }
            Path offsetFile = dir.resolve("boot.offset");
            boolean ready = Files.exists(offsetFile)
                    && log.readySince(Long.parseLong(Files.readString(offsetFile).strip()));
            if (log.rotate(CONSOLE_LOG_MAX_BYTES)) {
                if (ready) {
                    Files.writeString(dir.resolve(BOOT_READY), "");
                }
                if (Files.exists(offsetFile)) {
                    var startedAt = Files.getLastModifiedTime(offsetFile); // the boot's start time, as status reads it
                    Files.writeString(offsetFile, "0");
                    Files.setLastModifiedTime(offsetFile, startedAt);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new SandboxException("cannot rotate the console log of instance " + guest.id() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Optional<GuestStatus> status(GuestHandle guest) throws SandboxException {
        Path dir = folder(guest);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Path consoleLog = consoleLog(dir);
        boolean running = pid(guest).isPresent();
        Optional<Instant> started = modified(dir.resolve("boot.offset"));
        Optional<Instant> finished = running || started.isEmpty() ? Optional.empty()
                : modified(consoleLog).or(() -> started);
        Optional<String> lastExit = Optional.empty();
        if (!running && Files.exists(dir.resolve(PAUSED))) {
            lastExit = Optional.of("paused: its memory is saved on disk");
        } else if (!running && started.isPresent()) {
            lastExit = Optional.of(new ConsoleLog(consoleLog).lastExit()
                    .map(c -> c < 0 ? "the guest init could not run the service" : "exit " + c)
                    .orElse("the VM ended without the guest reporting an exit (killed or crashed)"));
        }
        return Optional.of(new GuestStatus(running, lastExit, started, finished,
                running ? guest.address() : Optional.empty()));
    }

    private static Optional<Instant> modified(Path p) {
        try {
            return Optional.of(Files.getLastModifiedTime(p).toInstant());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public ExecResult exec(GuestHandle guest, List<String> command, Duration timeout)
            throws SandboxException, InterruptedException {
        if (!awaitReady(guest, timeout)) {
            return new ExecResult(-1, "", "the guest of " + guest.id() + " was not up within " + timeout.toSeconds()
                    + " s");
        }
        return console(guest, folder(guest)).exec(command, timeout);
    }

    /** Waits until the guest init of the current boot has said it is up (its ready frame in the console log). */
    private boolean awaitReady(GuestHandle guest, Duration timeout) throws SandboxException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long offset;
        try {
            offset = Long.parseLong(Files.readString(folder(guest).resolve("boot.offset")).strip());
        } catch (IOException | NumberFormatException e) {
            throw new SandboxException("instance " + guest.id() + " was never started");
        }
        ConsoleLog log = new ConsoleLog(consoleLog(folder(guest)));
        while (true) {
            if (pid(guest).isEmpty()) {
                throw new SandboxException("the guest of instance " + guest.id() + " is not running");
            }
            if (Files.exists(folder(guest).resolve(BOOT_READY)) || log.readySince(offset)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
    }

    /**
     * A command without a terminal runs as an exec; a shell (no command), or a command with {@code tty}, runs on a
     * terminal of its own in the guest ({@link GuestConsole#session}), of {@code tty}'s size (24 by 80 without).
     */
    @Override
    public long attach(GuestHandle guest, List<String> command, Optional<TerminalSize> tty, InputStream in,
            OutputStream out, OutputStream err) throws SandboxException, InterruptedException {
        if (!command.isEmpty() && tty.isEmpty()) {
            ExecResult r = exec(guest, command, Duration.ofHours(1));
            try {
                out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
                err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
                out.flush();
                err.flush();
            } catch (IOException e) {
                throw new SandboxException("cannot write the command's output: " + e.getMessage(), e);
            }
            return r.exitCode();
        }
        if (!awaitReady(guest, Duration.ofMinutes(2))) {
            throw new SandboxException("the guest of " + guest.id() + " was not up within 2 minutes");
        }
        StringBuilder script = new StringBuilder();
        command.forEach(a -> script.append(script.isEmpty() ? "exec " : " ").append(ConfigDrive.quote(a)));
        TerminalSize size = tty.orElse(TerminalSize.DEFAULT);
        return console(guest, folder(guest)).session(script.toString(), size.rows(), size.cols(), in, out);
    }

    @Override
    public void writeFile(GuestHandle guest, String folder, String name, byte[] content, int mode, int uid)
            throws SandboxException {
        try {
            if (!awaitReady(guest, WRITE_LIMIT)) {
                throw new SandboxException("the guest of " + guest.id() + " was not up within " + WRITE_LIMIT);
            }
            console(guest, folder(guest)).writeFile(folder + "/" + name, content, mode, uid,
                    WRITE_LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while writing " + folder + "/" + name, e);
        }
    }

    @Override
    public Closeable logs(GuestHandle guest, int tail, boolean follow, LogSink sink) throws SandboxException {
        return new ConsoleLog(consoleLog(folder(guest))).stream(tail, follow, sink);
    }

    @Override
    public List<String> leftovers(String id) throws SandboxException {
        List<String> left = new ArrayList<>();
        Path dir = vmRoot.resolve(id);
        if (Files.exists(dir)) {
            left.add("folder " + dir);
        }
        network.find(id).ifPresent(n -> left.add("TAP " + n.tapName()));
        try (var procs = ProcessHandle.allProcesses()) {
            String marker = marker(dir).toString();
            procs.filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(marker)).orElse(false))
                    .forEach(p -> left.add(processName() + " pid " + p.pid()));
        }
        return left;
    }
}
