// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.DriverCapability;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.firecracker.api.BootSource;
import dev.hearth.sandbox.firecracker.api.Drive;
import dev.hearth.sandbox.firecracker.api.FirecrackerApi;
import dev.hearth.sandbox.firecracker.api.InstanceAction;
import dev.hearth.sandbox.firecracker.api.Logger;
import dev.hearth.sandbox.firecracker.api.MachineConfig;
import dev.hearth.sandbox.firecracker.api.Metrics;
import dev.hearth.sandbox.firecracker.api.NetworkInterface;
import dev.hearth.sandbox.firecracker.api.SnapshotCreate;
import dev.hearth.sandbox.firecracker.api.SnapshotLoad;
import dev.hearth.sandbox.vm.KvmProbe;
import dev.hearth.sandbox.vm.SearchPath;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import dev.hearth.sandbox.vm.VmProcess;
import dev.hearth.sandbox.vm.VmSnapshot;
import dev.hearth.sandbox.vm.VmSnapshots;
import dev.hearth.sandbox.vm.Vmm;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Boots microVMs with Firecracker: one firecracker process per VM (optionally through its jailer), configured over
 * its REST API on a unix socket, then started. See docs/architecture.md (Firecracker) for the launch sequence.
 *
 * <p>Thread-safe and stateless beyond its settings: each launch is independent.
 */
public final class FirecrackerVmm implements Vmm, VmSnapshots {

    /** What Firecracker adds to a microVM driver's abilities. */
    public static final Set<DriverCapability> CAPABILITIES = Set.of(DriverCapability.SNAPSHOTS);
    /** The guest's one NIC. */
    static final String IFACE = "eth0";

    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    private final FirecrackerSettings settings;

    private FirecrackerVmm(FirecrackerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** A Firecracker VMM with these settings; nothing is checked or started until a launch. */
    public static FirecrackerVmm create(FirecrackerSettings settings) {
        return new FirecrackerVmm(settings);
    }

    @Override
    public String name() {
        return "firecracker";
    }

    /** {@link DriverCapability#SNAPSHOTS}. */
    public Set<DriverCapability> capabilities() {
        return CAPABILITIES;
    }

    /**
     * Why VMs cannot run here, or empty when they can: the firecracker (and jailer) executable must be found and KVM
     * must run guests ({@link KvmProbe}, which boot-tests it; seconds where KVM hangs, so cache the answer).
     */
    public Optional<String> unavailableReason() throws InterruptedException {
        Optional<String> missing = missingExecutable();
        if (missing.isPresent()) {
            return missing;
        }
        KvmProbe.Result kvm = KvmProbe.probe();
        return kvm.usable() ? Optional.empty() : Optional.of("KVM does not run guests here: " + kvm.detail());
    }

    private Optional<String> missingExecutable() {
        if (SearchPath.find(settings.binary().toString()).isEmpty()) {
            return Optional.of("firecracker executable '" + settings.binary() + "' not found (set "
                    + FirecrackerSettings.BINARY_VARIABLE + " to its path, or put it on PATH; releases: "
                    + "https://github.com/firecracker-microvm/firecracker/releases)");
        }
        return settings.jailer().map(FirecrackerSettings.Jailer::binary)
                .filter(j -> SearchPath.find(j.toString()).isEmpty())
                .map(j -> "jailer executable '" + j + "' not found (set " + FirecrackerSettings.JAILER_VARIABLE
                        + " to its path)");
    }

    @Override
    public FirecrackerVm launch(VmConfig config, LogSink console) throws SandboxException, InterruptedException {
        requireVmlinux(config.kernel());
        FirecrackerVm vm = start(config, console);
        boot(vm, config);
        return vm;
    }

    /**
     * Boots a VM that outlives this process (an instance's guest). Firecracker runs directly (not jailed) in a
     * session of its own, so neither the end of this process nor a terminal's signals reach it; its serial console,
     * which is its stdin and stdout, is wired to files in the VM's folder ({@link FirecrackerFiles}): it reads the
     * FIFO {@code console.in}, held open for reading and writing so that it never sees an end of input, and appends
     * to {@code console.log}; its own stderr goes to {@code firecracker.stderr}. It is then configured and started
     * as {@link #launch} does, and its pid written to {@code firecracker.pid}. Any process finds the VM again through
     * these files ({@link dev.hearth.sandbox.microvm.GuestConsole#onFifo}).
     *
     * @return firecracker's pid
     * @throws SandboxException when a step fails; firecracker is then killed and its socket, log and metrics removed
     */
    public long launchDetached(VmConfig config, FirecrackerFiles files) throws SandboxException, InterruptedException {
        requireVmlinux(config.kernel());
        Path firecracker = executable();
        DirectLayout layout = new DirectLayout(config.id(), config.runDir());
        List<String> command = new java.util.ArrayList<>(List.of("setsid", "sh", "-c", "exec 0<>\"$0\"; exec \"$@\"",
                files.consoleInput().toString()));
        command.addAll(layout.command(firecracker));
        // in a systemd scope of its own where there is one, so that restarting the agent's service leaves it up
        command = new java.util.ArrayList<>(dev.hearth.sandbox.vm.ServiceScope.detect(System.getenv())
                .wrap(config.id(), command));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(files.consoleLog().toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(files.stderr().toFile()));
        try {
            files.makeConsoleInput();
        } catch (IOException e) {
            throw new SandboxException("firecracker VM " + config.id() + ": cannot make its console FIFO "
                    + files.consoleInput() + ": " + e.getMessage(), e);
        }
        FirecrackerVm vm = spawn(config.id(), layout, builder, LogSink.discard());
        boot(vm, config);
        try {
            Files.writeString(files.pidFile(), Long.toString(vm.pid()));
        } catch (IOException e) {
            vm.close();
            throw new SandboxException("firecracker VM " + config.id() + ": cannot write " + files.pidFile() + ": "
                    + e.getMessage(), e);
        }
        return vm.pid();
    }

    /** Configures a started firecracker for {@code config} and starts its guest. */
    private static void boot(FirecrackerVm vm, VmConfig config) throws SandboxException, InterruptedException {
        ProcessLayout layout = vm.layout();
        configure(vm, "set the machine configuration", () -> vm.api().send(
                new MachineConfig(config.vcpus(), config.memoryMib(), false)));
        configure(vm, "set the boot source", () -> vm.api().send(new BootSource(
                layout.expose(config.kernel(), "vmlinux", false),
                config.initrd().isPresent() ? layout.expose(config.initrd().get(), "initrd", false) : null,
                config.bootArgs())));
        for (VmDrive drive : config.drives()) {
            configure(vm, "attach drive " + drive.id(), () -> vm.api().send(exposeDrive(layout, drive)));
        }
        if (config.nic().isPresent()) {
            String tap = config.nic().get().tapName();
            configure(vm, "attach network interface " + IFACE + " on TAP " + tap, () -> vm.api().send(
                    new NetworkInterface(IFACE, tap, config.nic().get().mac())));
        }
        configure(vm, "check the machine configuration", () -> {
            MachineConfig seen = vm.api().machineConfig();
            if (seen.vcpuCount() != config.vcpus() || seen.memSizeMib() != config.memoryMib()) {
                throw new SandboxException("firecracker reports " + seen.vcpuCount() + " vCPUs and "
                        + seen.memSizeMib() + " MiB, not the " + config.vcpus() + " and " + config.memoryMib()
                        + " configured");
            }
        });
        configure(vm, "start the guest", () -> vm.api().send(new InstanceAction(InstanceAction.Type.INSTANCE_START)));
    }

    @Override
    public VmSnapshot snapshot(VmProcess process, Path state, Path memory)
            throws SandboxException, InterruptedException {
        if (!(process instanceof FirecrackerVm vm)) {
            throw new IllegalArgumentException("not a VM this Firecracker VMM launched: " + process);
        }
        boolean jailed = vm.layout() instanceof JailedLayout;
        String statePath = jailed ? "/snapshot.state" : state.toAbsolutePath().toString();
        String memoryPath = jailed ? "/snapshot.mem" : memory.toAbsolutePath().toString();
        try {
            vm.api().send(SnapshotCreate.full(statePath, memoryPath));
            if (jailed) { // written inside the chroot, as the jailed user: move them where the caller asked
                Files.move(vm.layout().output("snapshot.state"), state, StandardCopyOption.REPLACE_EXISTING);
                Files.move(vm.layout().output("snapshot.mem"), memory, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (InterruptedIOException e) {
            throw interrupted("firecracker VM " + vm.id() + ": interrupted while taking a snapshot", e);
        } catch (IOException e) {
            throw new SandboxException("firecracker VM " + vm.id() + ": snapshot to " + state + " and " + memory
                    + " failed: " + e.getMessage(), e);
        }
        return new VmSnapshot(state, memory);
    }

    @Override
    public FirecrackerVm restore(VmConfig config, VmSnapshot snapshot, LogSink console)
            throws SandboxException, InterruptedException {
        for (Path file : List.of(snapshot.state(), snapshot.memory())) {
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("snapshot", file.toString(), "the path of an existing snapshot file");
            }
        }
        FirecrackerVm vm = start(config, console);
        ProcessLayout layout = vm.layout();
        configure(vm, "load the snapshot", () -> {
            // a jailed snapshot names its kernel and drives by their chroot paths: put them there again
            layout.expose(config.kernel(), "vmlinux", false);
            for (VmDrive drive : config.drives()) {
                exposeDrive(layout, drive);
            }
            List<SnapshotLoad.NetworkOverride> overrides = config.nic()
                    .map(nic -> List.of(new SnapshotLoad.NetworkOverride(IFACE, nic.tapName()))).orElse(List.of());
            vm.api().send(new SnapshotLoad(layout.expose(snapshot.state(), "snapshot.state", false),
                    SnapshotLoad.MemoryBackend.file(layout.expose(snapshot.memory(), "snapshot.mem", false)),
                    true, overrides));
        });
        return vm;
    }

    private static Drive exposeDrive(ProcessLayout layout, VmDrive drive) throws IOException {
        return new Drive(drive.id(), layout.expose(drive.path(), drive.id() + ".img", !drive.readOnly()),
                drive.root(), drive.readOnly());
    }

    private Path executable() throws EngineUnavailableException {
        Optional<String> missing = missingExecutable();
        if (missing.isPresent()) {
            throw new EngineUnavailableException(missing.get(), null);
        }
        return SearchPath.find(settings.binary().toString()).orElseThrow();
    }

    /** Starts the process, waits until its API answers and sets its log and metrics; on failure nothing is left. */
    private FirecrackerVm start(VmConfig config, LogSink console) throws SandboxException, InterruptedException {
        Path firecracker = executable();
        ProcessLayout layout = settings.jailer()
                .<ProcessLayout>map(j -> new JailedLayout(config.id(), j, firecracker))
                .orElseGet(() -> new DirectLayout(config.id(), config.runDir()));
        return spawn(config.id(), layout, new ProcessBuilder(layout.command(firecracker)), console);
    }

    private FirecrackerVm spawn(String id, ProcessLayout layout, ProcessBuilder builder, LogSink console)
            throws SandboxException, InterruptedException {
        Process process;
        try {
            layout.prepare();
            process = builder.start();
        } catch (IOException e) {
            layout.remove();
            throw new SandboxException("firecracker VM " + id + ": start firecracker failed: "
                    + e.getMessage(), e);
        }
        OutputPump consolePump = OutputPump.start("firecracker-" + id + "-console",
                process.getInputStream(), console, LogSink.Stream.CONSOLE);
        OutputPump stderrPump = OutputPump.start("firecracker-" + id + "-stderr",
                process.getErrorStream(), LogSink.discard(), LogSink.Stream.STDERR);
        FirecrackerVm vm = new FirecrackerVm(id, process,
                new FirecrackerApi(layout.socket(), settings.requestTimeout()), layout, consolePump, stderrPump);
        configure(vm, "wait for the API socket", () -> awaitApi(vm));
        // first, so that Firecracker's own account of any later failure is in its log (quoted in our error)
        configure(vm, "configure the logger", () -> vm.api().send(
                new Logger(layout.createOutput(ProcessLayout.LOG), "Info", true, false)));
        configure(vm, "configure metrics", () -> vm.api().send(
                new Metrics(layout.createOutput(ProcessLayout.METRICS))));
        return vm;
    }

    private void awaitApi(FirecrackerVm vm) throws IOException {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        SandboxException last = null;
        while (System.nanoTime() < deadline) {
            if (!vm.alive()) {
                throw new SandboxException("firecracker exited before opening " + vm.api().socket());
            }
            if (Files.exists(vm.api().socket())) {
                try {
                    vm.api().describeInstance();
                    return;
                } catch (SandboxException e) { // bound but not yet listening
                    last = e;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + vm.api().socket());
            }
        }
        throw new SandboxException("no answer on " + vm.api().socket() + " within "
                + settings.startTimeout().toMillis() + " ms" + (last == null ? "" : " (last: " + last.getMessage()
                + ")"));
    }

    /** One launch step, named in the error; on failure the VM is killed and its files removed. */
    private static void configure(FirecrackerVm vm, String step, Step action)
            throws SandboxException, InterruptedException {
        try {
            action.run();
        } catch (InterruptedIOException e) {
            vm.close();
            throw interrupted("firecracker VM " + vm.id() + ": interrupted during " + step, e);
        } catch (IOException | RuntimeException e) {
            String log = tail(vm.layout().output(ProcessLayout.LOG));
            vm.close(); // joins the stderr pump, so its tail is complete below
            String stderr = vm.stderrTail();
            throw new SandboxException("firecracker VM " + vm.id() + ": " + step + " failed: " + e.getMessage()
                    + (log.isEmpty() ? "" : "; firecracker's log ends: " + log)
                    + (stderr.isEmpty() ? "" : "; its stderr ends: " + stderr), e);
        }
    }

    private static InterruptedException interrupted(String message, Throwable cause) {
        Thread.interrupted(); // the exception carries the interrupt from here on
        InterruptedException e = new InterruptedException(message);
        e.initCause(cause);
        return e;
    }

    private static String tail(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, Math.max(0, bytes.length - 1024), Math.min(bytes.length, 1024),
                    java.nio.charset.StandardCharsets.UTF_8);
            return text.strip();
        } catch (IOException e) {
            return ""; // no log yet: the failure came before the logger was set
        }
    }

    private static void requireVmlinux(Path kernel) {
        requireVmlinux(kernel, "kernel");
    }

    /**
     * Refuses, naming {@code field}, a kernel Firecracker cannot boot: anything but an uncompressed vmlinux (ELF).
     *
     * @throws InvalidInputException naming {@code field}
     */
    public static void requireVmlinux(Path kernel, String field) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(kernel)) {
            if (in.readNBytes(head, 0, 4) == 4 && Arrays.equals(head, ELF_MAGIC)) {
                return;
            }
        } catch (IOException e) {
            throw new InvalidInputException(field, kernel.toString(), "a readable file (" + e.getMessage() + ")");
        }
        throw new InvalidInputException(field, kernel.toString(), "an uncompressed vmlinux (an ELF file): "
                + "Firecracker cannot boot a compressed bzImage; use the vmlinux of the same kernel build");
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }
}
