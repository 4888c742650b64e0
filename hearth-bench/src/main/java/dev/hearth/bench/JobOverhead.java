// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.agent.jobs.JobRunner;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.BaseImages;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code job-overhead} benchmark: what running a trivial job through Hearth costs next to a bare
 * {@code docker run --rm} of the same image on the same engine.
 *
 * <p>Both contenders run {@code true} in {@link #IMAGE}. After {@link #WARM_UP_ROUNDS} uncounted rounds, each of
 * the {@code n} counted rounds runs one Hearth job and one bare run, Hearth first in even rounds and the bare run
 * first in odd ones, so that neither always follows the other's cleanup. Each run is timed with
 * {@link System#nanoTime()} around the whole call: for Hearth, {@link JobRunner#run} in this already-started JVM
 * with an open engine connection; for the baseline, the {@code docker} CLI process from start to exit.
 */
public final class JobOverhead {

    /** The image both contenders run. */
    public static final String IMAGE = BaseImages.BUSYBOX;
    /** Rounds run before counting, to load classes, warm the JIT and the engine's caches. */
    public static final int WARM_UP_ROUNDS = 2;

    private JobOverhead() {
    }

    /**
     * Runs the benchmark on the engine of DOCKER_HOST (or the default socket), building {@link #IMAGE} if missing.
     *
     * <p>Prints one context line and then the result line ({@link JobOverheadResult#line()}) on {@code out}, and a
     * progress line per round on {@code progress}. Every Hearth container is removed, also when a run fails.
     *
     * @throws BenchmarkException when the engine, the image or the docker CLI is unavailable, or a job fails
     */
    public static JobOverheadResult run(JobOverheadArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        DockerDriver driver;
        try {
            driver = DockerDriver.connect();
        } catch (SandboxException e) {
            throw new BenchmarkException(e.getMessage(), e);
        }
        Thread cleanup = new Thread(driver::close, "hearth-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (driver) {
            // As hearth run does: build Hearth's own image only when it is not on the engine yet.
            if (driver.images().find(IMAGE).isEmpty()) {
                progress.println("job-overhead: building " + IMAGE);
                BaseImages.ensureBusybox(driver.images(), BuildProgress.silent());
            }
            Map<String, String> engine = driver.engineVersion();
            out.printf(Locale.ROOT, "job-overhead: docker engine %s (API %s), %d CPUs, image %s, %d warm-up rounds,"
                    + " then %d interleaved rounds%n", engine.get("version"), engine.get("apiVersion"),
                    Runtime.getRuntime().availableProcessors(), IMAGE, WARM_UP_ROUNDS, args.n());
            out.flush();
            JobOverheadResult result = measure(args.n(), WARM_UP_ROUNDS,
                    new HearthJob(JobRunner.withDefaults(driver), IMAGE), new BareDockerRun(IMAGE), progress);
            out.println(result.line());
            out.flush();
            return result;
        } catch (SandboxException e) {
            throw new BenchmarkException(e.getMessage(), e);
        } finally {
            removeHook(cleanup);
        }
    }

    /**
     * Runs {@code warmUp} uncounted rounds, then {@code n} counted ones, alternating which contender goes first.
     *
     * <p>Round {@code i} of each phase runs {@code hearth} then {@code bare} when {@code i} is even, and the other
     * way round when it is odd.
     *
     * @throws BenchmarkException as soon as either contender fails; nothing is reported for the run
     */
    static JobOverheadResult measure(int n, int warmUp, Contender hearth, Contender bare, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        for (int w = 0; w < warmUp; w++) {
            RoundTimes t = round(w, hearth, bare);
            progress.printf(Locale.ROOT, "job-overhead: warm-up %d/%d %s=%dms %s=%dms%n", w + 1, warmUp,
                    hearth.name(), t.hearthNanos() / 1_000_000, bare.name(), t.bareNanos() / 1_000_000);
        }
        List<Long> hearthNanos = new ArrayList<>(n);
        List<Long> bareNanos = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RoundTimes t = round(i, hearth, bare);
            hearthNanos.add(t.hearthNanos());
            bareNanos.add(t.bareNanos());
            progress.printf(Locale.ROOT, "job-overhead: round %d/%d %s=%dms %s=%dms%n", i + 1, n,
                    hearth.name(), t.hearthNanos() / 1_000_000, bare.name(), t.bareNanos() / 1_000_000);
        }
        return new JobOverheadResult(Samples.of(hearthNanos), Samples.of(bareNanos));
    }

    private static RoundTimes round(int index, Contender hearth, Contender bare)
            throws BenchmarkException, InterruptedException {
        if (index % 2 == 0) {
            long h = time(hearth);
            return new RoundTimes(h, time(bare));
        }
        long b = time(bare);
        return new RoundTimes(time(hearth), b);
    }

    private static long time(Contender contender) throws BenchmarkException, InterruptedException {
        long start = System.nanoTime();
        contender.runOnce();
        return System.nanoTime() - start;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting and the hook will run: nothing to undo
        }
    }

    /** One round's two timings, in nanoseconds. */
    private record RoundTimes(long hearthNanos, long bareNanos) {
    }
}
