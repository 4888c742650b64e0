// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.ConfigDrive;
import dev.hearth.sandbox.microvm.ConsoleLog;
import dev.hearth.sandbox.microvm.GuestConsole;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.qemu.Accelerator;
import dev.hearth.sandbox.qemu.DetachedFiles;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code vm-pause} benchmark: one detached QEMU microVM on Hearth's plain guest image, as an instance's VM runs
 * (2 vCPUs, 256 MiB, a writable disk of its own, a service running), timed three ways to its first answered command
 * ({@code true} over the guest channel): booted cold, and resumed from its saved state ({@link QemuVmm#resumeDetached});
 * and the save itself ({@link QemuVmm#saveDetached}: stop, snapshot-save, quit, QEMU gone). Rounds alternate a
 * cold boot with a save and resume of that boot. Prints medians and p90s against the goal (resume under 1 s).
 */
public final class VmPause {

    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final String ID = "bench-pause";

    private VmPause() {
    }

    /** Runs the benchmark, building the guest image first when it is not cached. */
    public static void run(VmBootArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        Path dir = null;
        long pid = 0;
        try {
            GuestImage image = new GuestImages(ContentCache.fromEnvironment(System.getenv()))
                    .ensure(BuildProgress.silent());
            QemuVmm qemu = QemuVmm.fromEnvironment(System.getenv());
            qemu.check();
            Accelerator accel = qemu.accelerator(image.kernel());
            dir = Files.createTempDirectory("hvp-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            VmConfig vm = config(image, dir);
            DetachedFiles files = DetachedFiles.in(dir);
            GuestConsole console = GuestConsole.onSocket(files.consoleSocket());
            out.printf(Locale.ROOT, "vm-pause: %s, accelerator %s, %d CPUs, 2 vCPUs, 256 MiB guest, 1 warm-up round, "
                    + "then %d rounds%n", qemu.binary(), accel, Runtime.getRuntime().availableProcessors(), args.n());
            out.flush();
            List<Long> cold = new ArrayList<>();
            List<Long> save = new ArrayList<>();
            List<Long> resume = new ArrayList<>();
            long stateBytes = 0;
            for (int round = -1; round < args.n(); round++) {
                long offset = Files.exists(files.consoleLog()) ? Files.size(files.consoleLog()) : 0;
                long t0 = System.nanoTime();
                pid = qemu.launchDetached(vm, files);
                awaitReady(files, offset);
                firstAnswer(console);
                long c = System.nanoTime() - t0;
                Thread.sleep(500); // let the service settle, as a running instance has
                t0 = System.nanoTime();
                qemu.saveDetached(ID, files, LIMIT);
                pid = 0; // QEMU has exited: its pid may name another process from now on
                long s = System.nanoTime() - t0;
                stateBytes = Files.size(files.vmState());
                t0 = System.nanoTime();
                pid = qemu.resumeDetached(vm, files);
                firstAnswer(console);
                long r = System.nanoTime() - t0;
                end(pid);
                pid = 0;
                if (round >= 0) {
                    cold.add(c);
                    save.add(s);
                    resume.add(r);
                    progress.printf(Locale.ROOT, "vm-pause: round %d: cold %.0f ms, save %.0f ms, resume %.0f ms%n",
                            round + 1, c / 1e6, s / 1e6, r / 1e6);
                }
            }
            Samples c = Samples.of(cold);
            Samples s = Samples.of(save);
            Samples r = Samples.of(resume);
            out.printf(Locale.ROOT, "vm-pause: to first command, median of %d: cold boot %.0f ms (p90 %.0f), resumed "
                    + "from saved state %.0f ms (p90 %.0f; goal < 1000 ms); save %.0f ms (p90 %.0f); saved state "
                    + "%d MiB%n", args.n(), c.medianMillis(), c.p90Millis(), r.medianMillis(), r.p90Millis(),
                    s.medianMillis(), s.p90Millis(), stateBytes >> 20);
            out.printf(Locale.ROOT, "vm-pause: load average %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
            out.flush();
        } catch (IOException e) { // SandboxException included
            throw new BenchmarkException(e.getMessage(), e);
        } finally {
            end(pid); // a round that failed half-way leaves no QEMU behind
            if (dir != null) {
                try {
                    ContentCache.deleteTree(dir);
                } catch (IOException e) {
                    progress.println("vm-pause: cannot remove " + dir + ": " + e.getMessage());
                }
            }
        }
    }

    /** Kills the VM's QEMU, if it still runs, and waits for it to go. */
    private static void end(long pid) {
        if (pid <= 0) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
    }

    private static VmConfig config(GuestImage image, Path dir) throws IOException, SandboxException,
            InterruptedException {
        Path disk = dir.resolve("disk.ext4");
        Files.copy(image.rootfs(), disk);
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", "while :; do sleep 1; done"))
                .name(ID).network(NetworkMode.NONE).readOnlyRoot(false).build();
        Path config = ConfigDrive.write(dir, spec, new ConfigDrive.Settings("root", 256, 128L << 20, "max 100000",
                16L << 20, false, ID, Optional.empty()));
        return new VmConfig(ID, 2, 256, image.kernel(), image.initrd(), MicroVmDriver.bootArgs("qemu"),
                List.of(new VmDrive("rootfs", disk, true, false), new VmDrive("config", config, false, true)),
                Optional.empty(), dir);
    }

    /** Waits for the guest init's ready frame after {@code offset} of the console log. */
    private static void awaitReady(DetachedFiles files, long offset) throws BenchmarkException, InterruptedException,
            SandboxException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!new ConsoleLog(files.consoleLog()).readySince(offset)) {
            if (System.nanoTime() > deadline) {
                throw new BenchmarkException("the guest was not up within " + LIMIT);
            }
            Thread.sleep(10);
        }
    }

    /** Runs {@code true} in the guest until it answers (the guest channel refuses until the init is up). */
    private static void firstAnswer(GuestConsole console) throws BenchmarkException, InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                var r = console.exec(List.of("true"), LIMIT);
                if (r.exitCode() == 0) {
                    return;
                }
                last = "exit " + r.exitCode() + " " + r.stderr().strip();
            } catch (SandboxException e) {
                last = e.getMessage();
            }
            Thread.sleep(20);
        }
        throw new BenchmarkException("the guest did not answer a command within " + LIMIT + " (" + last + ")");
    }
}
