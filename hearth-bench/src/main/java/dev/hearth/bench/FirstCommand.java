// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.WarmPoolDriver;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.BuildProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code first-command} benchmark: time from asking a driver for a sandbox ({@link SandboxDriver#create}) to the
 * first byte the job's command prints, for Docker made cold and for Docker from a warm pool (size 1, refilled
 * between rounds, so each warm round finds one ready). The job is {@code echo ready} with hearth run's defaults
 * (no network, read-only root, limits, per-job {@code /job}); sandbox removal is not timed. One warm-up round each,
 * then {@code n} rounds, alternating which goes first.
 */
public final class FirstCommand {

    /** The goal of issue 16 for a warm pool's first command, median. */
    static final double GOAL_MILLIS = 150;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private FirstCommand() {
    }

    /** Runs the benchmark on the engine of DOCKER_HOST (or the default socket), building Hearth's busybox first. */
    public static void run(VmBootArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        try (DockerDriver cold = DockerDriver.connect();
                WarmPoolDriver warm = DockerDriver.connect().warmPools(new PoolSettings(1, Duration.ofMinutes(10)))) {
            BaseImages.ensureBusybox(cold.images(), BuildProgress.silent());
            out.printf(Locale.ROOT, "first-command: Docker cold vs warm pool, %d CPUs, load %s, 1 warm-up round, "
                    + "then %d rounds%n", Runtime.getRuntime().availableProcessors(), load(), args.n());
            out.flush();
            List<Long> coldTimes = new ArrayList<>();
            List<Long> warmTimes = new ArrayList<>();
            for (int round = -1; round < args.n(); round++) {
                awaitReady(warm);
                boolean coldFirst = round % 2 == 0;
                long a = firstByte(coldFirst ? cold : warm);
                if (!coldFirst) {
                    awaitReady(warm);
                }
                long b = firstByte(coldFirst ? warm : cold);
                if (round >= 0) {
                    coldTimes.add(coldFirst ? a : b);
                    warmTimes.add(coldFirst ? b : a);
                    progress.printf(Locale.ROOT, "first-command: round %d: cold %.0f ms, warm %.0f ms%n", round + 1,
                            (coldFirst ? a : b) / 1e6, (coldFirst ? b : a) / 1e6);
                }
            }
            Samples c = Samples.of(coldTimes);
            Samples w = Samples.of(warmTimes);
            out.printf(Locale.ROOT, "first-command: create to first output byte, median of %d: Docker cold %.0f ms "
                    + "(p90 %.0f), Docker warm pool %.0f ms (p90 %.0f); goal for warm: < %.0f ms p50, %s; load %s%n",
                    args.n(), c.medianMillis(), c.p90Millis(), w.medianMillis(), w.p90Millis(), GOAL_MILLIS,
                    w.medianMillis() < GOAL_MILLIS ? "met" : "not met", load());
            out.flush();
        } catch (java.io.IOException e) { // SandboxException included
            throw new BenchmarkException(e.getMessage(), e);
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
                throw new BenchmarkException("no warm container was ready within " + LIMIT);
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
