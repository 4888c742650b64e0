// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.image.GuestImages;
import dev.hearth.sandbox.microvm.MicroVmClones;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.microvm.MicroVmSettings;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code first-command} benchmark: time from asking a driver for a sandbox ({@link SandboxDriver#create}) to the
 * first byte the job's command prints, side by side for Docker made cold, Docker from a warm pool, a QEMU microVM
 * booted cold, a QEMU microVM from a warm pool (each pool size 1, refilled between rounds, so each warm round
 * finds one ready; every pool is ready again before any round is timed, so no refill competes with it) and a QEMU
 * microVM restored from its saved template ({@link MicroVmClones}; the template is saved before the first round). The job is
 * {@code echo ready} with hearth run's defaults (no network, read-only root, limits, per-job {@code /job}); sandbox
 * removal is not timed. One warm-up round each, then {@code n} rounds, alternating whether cold or warm goes first.
 */
public final class FirstCommand {

    /** The goal of issue 16 for a warm pool's first command, median. */
    static final double GOAL_MILLIS = 150;
    /** The goal of issue 16 for a start from a snapshot, median. */
    static final double SNAPSHOT_GOAL_MILLIS = 1000;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** One runtime's cold driver and warm pools, and the times measured on each. */
    private record Runtime(String label, SandboxDriver cold, WarmPoolDriver warm, Optional<MicroVmClones> snapshot,
            List<Long> coldTimes, List<Long> warmTimes, List<Long> snapshotTimes) {
        Runtime(String label, SandboxDriver cold, WarmPoolDriver warm, Optional<MicroVmClones> snapshot) {
            this(label, cold, warm, snapshot, new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    private FirstCommand() {
    }

    /**
     * Runs the benchmark on the engine of DOCKER_HOST (or the default socket), building Hearth's busybox first, and
     * on QEMU with Hearth's guest image (built first when it is not cached).
     */
    public static void run(VmBootArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        Path runRoot = null;
        try {
            runRoot = Files.createTempDirectory("hfc-");
            GuestImage image = new GuestImages(ContentCache.fromEnvironment(System.getenv()))
                    .ensure(BuildProgress.silent());
            QemuVmm qemu = QemuVmm.fromEnvironment(System.getenv());
            qemu.check();
            try (DockerDriver dockerCold = DockerDriver.connect();
                    WarmPoolDriver dockerWarm = DockerDriver.connect().warmPools(pool());
                    MicroVmDriver qemuCold = vms(qemu, image, runRoot);
                    WarmPoolDriver qemuWarm = vms(qemu, image, runRoot).warmPools(pool());
                    MicroVmClones qemuSnapshot = vms(qemu, image, runRoot).snapshotStarts(pool().idleLimit())) {
                BaseImages.ensureBusybox(dockerCold.images(), BuildProgress.silent());
                if (!qemuSnapshot.awaitTemplate(spec(), LIMIT)) {
                    throw new BenchmarkException("the QEMU template was not saved within " + LIMIT);
                }
                List<Runtime> runtimes = List.of(new Runtime("Docker", dockerCold, dockerWarm, Optional.empty()),
                        new Runtime("QEMU", qemuCold, qemuWarm, Optional.of(qemuSnapshot)));
                measure(runtimes, args.n(), out, progress, qemu.accelerator(image.kernel()).toString());
            }
        } catch (java.io.IOException e) { // SandboxException included
            throw new BenchmarkException(e.getMessage(), e);
        } finally {
            if (runRoot != null) {
                try {
                    Files.deleteIfExists(runRoot);
                } catch (java.io.IOException e) {
                    progress.println("first-command: could not remove " + runRoot + ": " + e.getMessage());
                }
            }
        }
    }

    private static PoolSettings pool() {
        return new PoolSettings(1, Duration.ofMinutes(10));
    }

    private static MicroVmDriver vms(QemuVmm qemu, GuestImage image, Path runRoot) {
        return new MicroVmDriver(qemu, image, Optional.empty(), runRoot, MicroVmSettings.DEFAULTS,
                InstantSource.system());
    }

    private static void measure(List<Runtime> runtimes, int n, PrintStream out, PrintStream progress, String accel)
            throws BenchmarkException, InterruptedException, SandboxException {
        out.printf(Locale.ROOT, "first-command: Docker and QEMU (%s), cold vs warm pool, %d CPUs, load %s, "
                + "1 warm-up round, then %d rounds%n", accel, java.lang.Runtime.getRuntime().availableProcessors(),
                load(), n);
        out.flush();
        for (int round = -1; round < n; round++) {
            boolean coldFirst = round % 2 == 0;
            StringBuilder line = new StringBuilder();
            for (Runtime r : runtimes) {
                awaitAllReady(runtimes);
                long a = firstByte(coldFirst ? r.cold() : r.warm());
                awaitAllReady(runtimes);
                long b = firstByte(coldFirst ? r.warm() : r.cold());
                long coldNanos = coldFirst ? a : b;
                long warmNanos = coldFirst ? b : a;
                if (round >= 0) {
                    r.coldTimes().add(coldNanos);
                    r.warmTimes().add(warmNanos);
                    line.append(String.format(Locale.ROOT, "; %s cold %.0f ms, warm %.0f ms", r.label(),
                            coldNanos / 1e6, warmNanos / 1e6));
                }
                if (r.snapshot().isPresent()) {
                    awaitAllReady(runtimes);
                    long snap = firstByte(r.snapshot().get());
                    if (round >= 0) {
                        r.snapshotTimes().add(snap);
                        line.append(String.format(Locale.ROOT, ", from snapshot %.0f ms", snap / 1e6));
                    }
                }
            }
            if (round >= 0) {
                progress.printf(Locale.ROOT, "first-command: round %d%s%n", round + 1, line);
            }
        }
        StringBuilder summary = new StringBuilder();
        StringBuilder goal = new StringBuilder();
        for (Runtime r : runtimes) {
            Samples c = Samples.of(r.coldTimes());
            Samples w = Samples.of(r.warmTimes());
            summary.append(String.format(Locale.ROOT, "%s%s cold %.0f ms (p90 %.0f), %s warm pool %.0f ms "
                    + "(p90 %.0f)", summary.isEmpty() ? "" : ", ", r.label(), c.medianMillis(), c.p90Millis(),
                    r.label(), w.medianMillis(), w.p90Millis()));
            goal.append(goal.isEmpty() ? "" : ", ").append(r.label()).append(' ')
                    .append(w.medianMillis() < GOAL_MILLIS ? "met" : "not met");
            if (r.snapshot().isPresent()) {
                Samples snap = Samples.of(r.snapshotTimes());
                summary.append(String.format(Locale.ROOT, ", %s from snapshot %.0f ms (p90 %.0f)", r.label(),
                        snap.medianMillis(), snap.p90Millis()));
                goal.append(String.format(Locale.ROOT, "; for %s from snapshot < %.0f ms p50: %s", r.label(),
                        SNAPSHOT_GOAL_MILLIS, snap.medianMillis() < SNAPSHOT_GOAL_MILLIS ? "met" : "not met"));
            }
        }
        out.printf(Locale.ROOT, "first-command: create to first output byte, median of %d: %s; goal for warm: "
                + "< %.0f ms p50: %s; load %s%n", n, summary, GOAL_MILLIS, goal, load());
        out.flush();
    }

    private static void awaitAllReady(List<Runtime> runtimes) throws BenchmarkException, InterruptedException {
        for (Runtime r : runtimes) {
            awaitReady(r.warm());
        }
    }

    private static SandboxSpec spec() {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("echo", "ready"))
                .name("bench-first-" + Long.toHexString(System.nanoTime())).build();
    }

    private static void awaitReady(WarmPoolDriver warm) throws BenchmarkException, InterruptedException {
        SandboxSpec like = spec();
        warm.prewarm(like);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (warm.ready(like) == 0) {
            if (System.nanoTime() > deadline) {
                throw new BenchmarkException("no warm " + warm.name() + " sandbox was ready within " + LIMIT);
            }
            Thread.sleep(10);
        }
    }

    /** Nanoseconds from create to the first output byte; the sandbox then runs to its end and is removed. */
    private static long firstByte(SandboxDriver driver) throws BenchmarkException, SandboxException,
            InterruptedException {
        CountDownLatch printed = new CountDownLatch(1);
        long[] at = new long[1];
        long t0 = System.nanoTime();
        try (Sandbox s = driver.create(spec())) {
            s.start((stream, bytes, off, len) -> {
                if (printed.getCount() > 0) {
                    at[0] = System.nanoTime();
                    printed.countDown();
                }
            });
            if (!printed.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchmarkException("the job printed nothing within " + LIMIT);
            }
            if (s.await(LIMIT).map(x -> x.exitCode()).orElse(-1L) != 0) {
                throw new BenchmarkException("the benchmark's job (echo ready) did not succeed");
            }
            return at[0] - t0;
        }
    }

    private static String load() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
