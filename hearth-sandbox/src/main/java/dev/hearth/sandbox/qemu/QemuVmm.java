// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.ServiceScope;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmProcess;
import dev.hearth.sandbox.vm.Vmm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boots microVMs with {@code qemu-system-x86_64 -M microvm} (see {@link QemuCommand}) and drives each through QMP:
 * the VM must answer the greeting and capabilities negotiation and report itself running before
 * {@link #launch} returns. The accelerator is KVM when {@link AcceleratorProbe} finds it working, TCG otherwise.
 * Thread-safe; one instance serves many VMs.
 */
public final class QemuVmm implements Vmm {

    /** Where Debian's qemu-system-x86 package installs the binary. */
    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/qemu-system-x86_64");
    /** The kernel's limit on a unix socket path, less its terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Duration QMP_START = Duration.ofSeconds(15);
    /** How long loading or deleting a saved state may take (it reads the guest's memory from disk). */
    private static final Duration RESTORE_LIMIT = Duration.ofMinutes(2);
    /** util-linux's setsid: starts a detached VM's QEMU in a session of its own (it execs, never forks, here). */
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Logger log = LoggerFactory.getLogger(QemuVmm.class);

    private final Path binary;
    private final Map<String, String> env;
    private final QemuConfinement confinement;
    private final ServiceScope scope;

    /**
     * A VMM running {@code binary}, choosing the accelerator as {@code env} says ({@link AcceleratorProbe#ENV}) and
     * the user QEMU runs as ({@link QemuConfinement#from}).
     */
    public QemuVmm(Path binary, Map<String, String> env) {
        this.binary = binary;
        this.env = Map.copyOf(env);
        this.confinement = QemuConfinement.from(env);
        this.scope = ServiceScope.detect(env);
    }

    /** How this VMM's QEMU processes are held in. */
    public QemuConfinement confinement() {
        return confinement;
    }

    /** The default binary, or {@code $HEARTH_QEMU} when set. */
    public static QemuVmm fromEnvironment(Map<String, String> env) {
        String b = env.get("HEARTH_QEMU");
        return new QemuVmm(b == null || b.isBlank() ? DEFAULT_BINARY : Path.of(b), env);
    }

    @Override
    public String name() {
        return "qemu";
    }

    /** Checks that the QEMU binary is there and runs. */
    public void check() throws EngineUnavailableException {
        if (!Files.isExecutable(binary)) {
            throw new EngineUnavailableException("no QEMU at " + binary + ": install it with 'sudo apt-get install "
                    + "qemu-system-x86' (scripts/setup-host does) or set HEARTH_QEMU to its path", null);
        }
    }

    /** The accelerator guests of {@code kernel} get on this host (probed once per process). */
    public Accelerator accelerator(Path kernel) throws InterruptedException {
        return AcceleratorProbe.choose(binary, kernel, env);
    }

    @Override
    public QemuProcess launch(VmConfig config, LogSink console) throws SandboxException, InterruptedException {
        return launch(config, console, Optional.empty(), false);
    }

    /**
     * Launches a VM as {@link #launch} does, with an empty state image at {@code stateImage} (made here, mode 0600)
     * into which {@link #saveAndQuit} can write it: a template for {@link #restore}.
     */
    public QemuProcess launchSaveable(VmConfig config, Path stateImage, LogSink console)
            throws SandboxException, InterruptedException {
        VmStateImage.create(stateImage);
        return launch(config, console, Optional.of(stateImage), false);
    }

    /**
     * Saves a VM launched by {@link #launchSaveable} into its state image and ends it: QMP {@code stop},
     * {@code snapshot-save} of its memory and devices (the raw drives are not part of it), then {@code quit},
     * waiting up to {@code within}. The VM is closed whatever happens.
     *
     * @throws SandboxException when the state could not be saved or QEMU did not end
     */
    public void saveAndQuit(QemuProcess vm, String id, Duration within) throws SandboxException, InterruptedException {
        try {
            vm.qmp().execute("stop", Map.of(), QMP_START);
            SnapshotJobs.save(vm.qmp(), id, within);
            vm.quit();
            if (vm.awaitExit(within).isEmpty()) {
                throw new SandboxException("QEMU of VM " + id + " did not end within " + within + " after its save");
            }
        } finally {
            vm.close();
        }
    }

    /**
     * Starts a new VM from a state saved by {@link #saveAndQuit}: {@code config} must give the template's machine
     * (vCPUs, memory, kernel, the same drives in the same order, no NIC where it had none), its own id and run
     * folder; {@code stateImage} is this VM's own copy of the template's image ({@code snapshot-load} writes to it).
     * QEMU starts with the CPUs stopped ({@code -S}), loads the state and continues; the guest goes on where the
     * template was saved, with the template's memory, kernel random state and clock, so the caller gives it an
     * identity of its own before it runs anything. Same failure contract as {@link #launch}.
     */
    public QemuProcess restore(VmConfig config, Path stateImage, LogSink console)
            throws SandboxException, InterruptedException {
        return launch(config, console, Optional.of(stateImage), true);
    }

    private QemuProcess launch(VmConfig config, LogSink console, Optional<Path> stateImage, boolean incoming)
            throws SandboxException, InterruptedException {
        check();
        Path qmpSocket = config.runDir().resolve("qmp.sock").toAbsolutePath();
        if (qmpSocket.toString().length() > MAX_SOCKET_PATH) {
            throw new InvalidInputException("run folder", config.runDir().toString(),
                    "a path short enough for a unix socket inside it (at most " + (MAX_SOCKET_PATH - 9) + " characters)");
        }
        Accelerator accel = accelerator(config.kernel());
        try {
            Files.createDirectories(config.runDir(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new SandboxException("cannot make the run folder " + config.runDir() + ": " + e.getMessage(), e);
        }
        List<String> argv = QemuCommand.argv(binary, config, accel, qmpSocket, confinement, stateImage, incoming);
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new SandboxException("cannot start " + binary + " for VM " + config.id() + ": " + e.getMessage(), e);
        }
        QemuProcess vm = new QemuProcess(config.id(), process, qmpSocket, accel, console);
        try {
            vm.attach(QmpClient.connect(qmpSocket, QMP_START, process::isAlive));
            if (incoming) {
                SnapshotJobs.load(vm.qmp(), config.id(), RESTORE_LIMIT);
                vm.qmp().execute("cont", Map.of(), QMP_START);
            }
            String status = vm.qmp().execute("query-status", Map.of(), QMP_START).path("status").asText();
            if (!"running".equals(status)) {
                throw new SandboxException("VM " + config.id() + " is " + status + " after start, not running");
            }
        } catch (SandboxException | RuntimeException e) {
            vm.close();
            throw new SandboxException("QEMU could not start VM " + config.id() + ": " + e.getMessage()
                    + vm.stderrTail().map(t -> "; QEMU said: " + t).orElse(""), e);
        } catch (InterruptedException e) {
            vm.close();
            throw e;
        }
        log.debug("VM {} started: pid {}, {}", config.id(), process.pid(), accel);
        return vm;
    }

    /**
     * Starts a VM that outlives this process (see {@link QemuCommand#detachedArgv}): QEMU runs in a session of its own
     * ({@code setsid}, so neither this process's end nor its terminal's signals reach it) and, on a systemd host, in a
     * scope of its own ({@link ServiceScope}, so restarting the agent's service leaves it up), with no standard input and
     * its own output appended to the console log, and is never daemonized, so its seccomp filter denies spawning
     * and (without {@code -runas}) raising privileges, as a job VM's does. Returns once QEMU answers QMP with the VM
     * running, with QEMU's pid (also in {@code files.pidFile()}, by which any process finds the VM again). Its files
     * go to {@code files}; its run folder must exist. A VM that does not come up is killed.
     *
     * @throws SandboxException with QEMU's own error output when it could not start the VM
     */
    public long launchDetached(VmConfig config, DetachedFiles files) throws SandboxException, InterruptedException {
        return launchDetached(config, files, false);
    }

    /**
     * Starts the VM saved by {@link #saveDetached} again, as {@link #launchDetached} starts one, from the same
     * {@code config} (machine, memory, disks, NIC) and {@code files}: QEMU starts with the guest's CPUs stopped
     * ({@code -S}), loads the saved state from {@link DetachedFiles#vmState()} ({@code snapshot-load}) and continues
     * the guest ({@code cont}); the next save replaces the state, a fresh boot makes a new image. The guest goes on
     * where it was saved: its processes, their memory and its page cache; its clock lags by the time it was saved.
     *
     * @throws SandboxException when no state is saved, QEMU cannot load it (another machine, memory size or QEMU
     *     version) or the VM does not come up; QEMU is then killed and the saved state left as it was
     */
    public long resumeDetached(VmConfig config, DetachedFiles files) throws SandboxException, InterruptedException {
        if (!Files.isRegularFile(files.vmState())) {
            throw new SandboxException("VM " + config.id() + " has no saved state in " + files.vmState());
        }
        return launchDetached(config, files, true);
    }

    /**
     * Saves the running detached VM in {@code files} to its state image and ends its QEMU, so its memory is freed:
     * QMP {@code stop}, {@code snapshot-save} of memory and devices into {@link DetachedFiles#vmState()} (the guest's
     * disks, raw, are left as they are and flushed when QEMU quits), then {@code quit}, waiting up to {@code within}
     * for QEMU to exit. When the save fails the guest is continued ({@code cont}) and keeps running.
     *
     * @throws SandboxException when the VM does not run, cannot be saved or QEMU does not exit
     */
    public void saveDetached(String id, DetachedFiles files, Duration within)
            throws SandboxException, InterruptedException {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(files.pidFile()).strip());
        } catch (IOException | NumberFormatException e) {
            throw new SandboxException("VM " + id + " has no readable pid file " + files.pidFile(), e);
        }
        ProcessHandle qemu = ProcessHandle.of(pid).orElseThrow(() -> new SandboxException("VM " + id
                + " is not running (pid " + pid + " is gone)"));
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QMP_START, qemu::isAlive)) {
            qmp.execute("stop", Map.of(), QMP_START);
            try {
                if (SnapshotJobs.saved(qmp, QMP_START)) {
                    // the state this VM was resumed from: deleted here rather than at resume, off the resume's path
                    SnapshotJobs.delete(qmp, id, within);
                }
                SnapshotJobs.save(qmp, id, within);
            } catch (SandboxException e) {
                qmp.execute("cont", Map.of(), QMP_START);
                throw e;
            }
            qmp.execute("quit", Map.of(), QMP_START);
        }
        try {
            qemu.onExit().get(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            qemu.destroyForcibly();
            throw new SandboxException("QEMU of VM " + id + " (pid " + pid + ") did not exit within " + within
                    + " after its state was saved; it was killed", e);
        }
        log.debug("VM {} saved to {} and ended", id, files.vmState());
    }

    private long launchDetached(VmConfig config, DetachedFiles files, boolean resume)
            throws SandboxException, InterruptedException {
        check();
        for (Path socket : List.of(files.qmpSocket(), files.consoleSocket())) {
            if (socket.toString().length() > MAX_SOCKET_PATH) {
                throw new InvalidInputException("VM folder", config.runDir().toString(),
                        "a path short enough for a unix socket inside it (at most " + (MAX_SOCKET_PATH - 13)
                                + " characters)");
            }
        }
        Accelerator accel = accelerator(config.kernel());
        long offset;
        try {
            Files.deleteIfExists(files.pidFile());
            Files.deleteIfExists(files.qmpSocket());
            Files.deleteIfExists(files.consoleSocket());
            offset = Files.exists(files.consoleLog()) ? Files.size(files.consoleLog()) : 0;
        } catch (IOException e) {
            throw new SandboxException("cannot clear the files of VM " + config.id() + ": " + e.getMessage(), e);
        }
        if (!resume) {
            VmStateImage.create(files.vmState()); // a fresh boot: whatever was saved before belongs to another boot
        }
        List<String> session = new ArrayList<>(List.of(SETSID.toString()));
        session.addAll(QemuCommand.detachedArgv(binary, config, accel, files, confinement, resume));
        // systemd-run --scope and setsid each exec the next, so the process started here is QEMU itself
        List<String> argv = scope.wrap(config.id(), session);
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.consoleLog().toFile())).start();
        } catch (IOException e) {
            throw new SandboxException("cannot start " + binary + " for VM " + config.id() + ": " + e.getMessage(), e);
        }
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QMP_START, p::isAlive)) {
            if (resume) {
                SnapshotJobs.load(qmp, config.id(), RESTORE_LIMIT);
                qmp.execute("cont", Map.of(), QMP_START);
            }
            String status = qmp.execute("query-status", Map.of(), QMP_START).path("status").asText();
            if (!"running".equals(status)) {
                throw new SandboxException("VM " + config.id() + " is " + status + " after start, not running");
            }
            long pid = Long.parseLong(Files.readString(files.pidFile()).strip());
            log.debug("VM {} started detached: pid {}, {}", config.id(), pid, accel);
            return pid;
        } catch (IOException | RuntimeException e) { // SandboxException included
            p.destroyForcibly();
            p.waitFor();
            String said = startOutput(files.consoleLog(), offset);
            throw new SandboxException("QEMU could not start VM " + config.id() + " (exit " + p.exitValue() + "): "
                    + e.getMessage()
                    + (said.isEmpty() ? "" : "; QEMU said: " + said), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** What QEMU printed after {@code offset} of the console log (where its output goes), its last 2000 characters. */
    private static String startOutput(Path consoleLog, long offset) {
        try (var f = new java.io.RandomAccessFile(consoleLog.toFile(), "r")) {
            long from = Math.max(offset, f.length() - 2000);
            byte[] tail = new byte[(int) Math.max(0, f.length() - from)];
            f.seek(from);
            f.readFully(tail);
            return new String(tail, java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The binary this VMM runs. */
    public Path binary() {
        return binary;
    }

    static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }
}
