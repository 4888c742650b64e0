// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.MicroVmSandbox;
import dev.hearth.sandbox.microvm.MicroVmSettings;
import dev.hearth.sandbox.qemu.Accelerator;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.qemu.TcgClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code vm-boot} benchmark: time from a start request to "guest ready" (Hearth's guest init printing its ready
 * frame on the serial console) for the QEMU microVM driver, against a bare {@code qemu-system-x86_64 -M microvm}
 * booting the same kernel and rootfs to the same frame.
 *
 * <p>Hearth's time runs from {@link MicroVmDriver#create} (config drive, run folder) through {@code start} (QEMU,
 * QMP handshake, query-status) to the ready frame. The bare time runs from starting the QEMU process to the same
 * frame; that guest finds no config drive, reports so and reboots. One warm-up boot each, then {@code n} rounds,
 * alternating which goes first. Both run under the accelerator {@link QemuVmm} chooses (KVM when it works).
 */
public final class VmBoot {

    private static final Duration BOOT_LIMIT = Duration.ofSeconds(120);

    private VmBoot() {
    }

    /** Runs the benchmark, building the guest image first when it is not cached. */
    public static void run(VmBootArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        try {
            GuestImage image = new GuestImages(ContentCache.fromEnvironment(System.getenv()))
                    .ensure(BuildProgress.silent());
            QemuVmm qemu = QemuVmm.fromEnvironment(System.getenv());
            qemu.check();
            Accelerator accel = qemu.accelerator(image.kernel());
            Path runRoot = Files.createTempDirectory("hvb-");
            out.printf(Locale.ROOT, "vm-boot: %s, accelerator %s, %d CPUs, 1 warm-up boot each, then %d rounds%n",
                    qemu.binary(), accel, Runtime.getRuntime().availableProcessors(), args.n());
            out.flush();
            List<Long> hearth = new ArrayList<>();
            List<Long> bare = new ArrayList<>();
            try (MicroVmDriver driver = new MicroVmDriver(qemu, image, Optional.empty(), runRoot,
                    MicroVmSettings.DEFAULTS, InstantSource.system())) {
                for (int round = -1; round < args.n(); round++) {
                    boolean hearthFirst = round % 2 == 0;
                    long a = hearthFirst ? hearthBoot(driver) : bareBoot(qemu, image, accel);
                    long b = hearthFirst ? bareBoot(qemu, image, accel) : hearthBoot(driver);
                    if (round >= 0) {
                        hearth.add(hearthFirst ? a : b);
                        bare.add(hearthFirst ? b : a);
                        progress.printf(Locale.ROOT, "vm-boot: round %d: hearth %.0f ms, bare %.0f ms%n", round + 1,
                                (hearthFirst ? a : b) / 1e6, (hearthFirst ? b : a) / 1e6);
                    }
                }
            } finally {
                Files.deleteIfExists(runRoot);
            }
            Samples h = Samples.of(hearth);
            Samples q = Samples.of(bare);
            out.printf(Locale.ROOT, "vm-boot: start to guest ready, median of %d: hearth %.0f ms (p90 %.0f), "
                    + "bare qemu %.0f ms (p90 %.0f), ratio hearth/bare %.2f%n", args.n(), h.medianMillis(),
                    h.p90Millis(), q.medianMillis(), q.p90Millis(), h.medianMillis() / q.medianMillis());
            if (accel.kvm()) {
                out.printf(Locale.ROOT, "vm-boot: under KVM, time to guest init %.0f ms (Firecracker publishes "
                        + "125 ms)%n", q.medianMillis());
            } else {
                out.println("vm-boot: KVM is not usable here (" + accel.reason() + "), so no absolute KVM figure");
            }
            out.flush();
        } catch (IOException e) { // SandboxException included
            throw new BenchmarkException(e.getMessage(), e);
        }
    }

    private static long hearthBoot(MicroVmDriver driver) throws BenchmarkException, InterruptedException,
            SandboxException {
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true"))
                .name("bench-" + Long.toHexString(System.nanoTime())).build();
        long t0 = System.nanoTime();
        try (MicroVmSandbox s = driver.create(spec)) {
            s.start(LogSink.discard());
            if (s.awaitReady(BOOT_LIMIT).isEmpty()) {
                throw new BenchmarkException("a Hearth microVM was not ready within " + BOOT_LIMIT + "; console: "
                        + s.consoleTail());
            }
            long took = System.nanoTime() - t0;
            if (s.await(BOOT_LIMIT).map(x -> x.exitCode()).orElse(-1L) != 0) {
                throw new BenchmarkException("the benchmark's job (true) did not succeed in a Hearth microVM");
            }
            return took;
        }
    }

    /** Boots the same kernel and rootfs with a plain QEMU command, to the same ready frame. */
    private static long bareBoot(QemuVmm qemu, GuestImage image, Accelerator accel)
            throws BenchmarkException, InterruptedException {
        List<String> argv = List.of(qemu.binary().toString(), "-M", "microvm,x-option-roms=off,isa-serial=on",
                "-accel", accel.kvm() ? "kvm" : "tcg,thread=single", "-cpu", accel.kvm() ? "host" : "max", "-smp", "2", "-m", "608M",
                "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-kernel", image.kernel().toString(),
                "-append", MicroVmDriver.bootArgs(qemu.name()) + (accel.kvm() ? "" : TcgClock.bootArgs()),
                "-serial", "stdio",
                "-drive", "id=rootfs,file=" + image.rootfs() + ",format=raw,if=none,readonly=on",
                "-device", "virtio-blk-device,drive=rootfs");
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new BenchmarkException("cannot start " + argv.get(0) + ": " + e.getMessage(), e);
        }
        // A guest that never prints the frame must not hang the benchmark: kill it at the limit, ending the read.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        try (InputStream in = p.getInputStream()) {
            int prev = -1;
            for (int c; (c = in.read()) >= 0; prev = c) {
                if (prev == 1 && c == 'H' && in.read() == 'R') {
                    long took = System.nanoTime() - t0;
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // the rest of the console
                    return took;
                }
            }
            throw new BenchmarkException("a bare QEMU guest ended without printing the ready frame");
        } catch (IOException e) {
            throw new BenchmarkException("cannot read a bare QEMU's console: " + e.getMessage(), e);
        } finally {
            if (!p.waitFor(BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            watchdog.interrupt();
        }
    }
}
