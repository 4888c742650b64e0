// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildOutput;
import dev.hearth.bench.Samples;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * The {@code agents-sim} benchmark: a real coordinator in a child JVM ({@link CoordinatorChild}) under N simulated
 * agents in this one ({@link SimAgent}), to see what heartbeats and job placement cost it.
 *
 * <p>Steps: check the open-file limit; start the coordinator; create N node tokens through {@code POST /v1/tokens}
 * (a token binds to the first node key that uses it, so each agent needs its own); connect and register the agents,
 * at most {@link #CONNECTS_IN_FLIGHT} at a time, each heartbeating from its registration on at a random phase
 * within one interval (seeded, so runs are alike); let one interval pass uncounted; then open the measurement window,
 * submit M jobs, B per call through {@code POST /v1/jobs/batch} ({@link #BATCHES_IN_FLIGHT} calls at a time; with
 * {@code --batch 1} each through {@code POST /v1/jobs}, {@link #SUBMITS_IN_FLIGHT} at a time) and wait out the
 * window. CPU is read from /proc at the window's two ends; heartbeats count when sent inside it. After the window, up
 * to {@link #GRACE} more is given for acks and offers still on their way.
 */
public final class AgentsSim {

    /** Open files needed besides one socket per agent: the JVM's jars, the store, the HTTP connections. */
    static final int SPARE_FILES = 512;
    static final int CONNECTS_IN_FLIGHT = 200;
    static final int SUBMITS_IN_FLIGHT = 16;
    /** Batch calls in flight at a time (with {@code --batch} above 1). */
    static final int BATCHES_IN_FLIGHT = 4;
    static final Duration GRACE = Duration.ofSeconds(30);

    private AgentsSim() {
    }

    /**
     * Runs the benchmark and prints the table (or, with {@code --json}, one JSON object) on {@code out}; progress
     * goes to {@code progress}.
     *
     * @throws BenchmarkException when the open-file limit is too low, the coordinator does not start or dies, or
     *     agents cannot register
     */
    public static AgentsSimResult run(AgentsSimArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        checkOpenFiles(args.agents());
        Path work;
        try {
            work = Files.createTempDirectory("hearth-agents-sim-");
        } catch (IOException e) {
            throw new BenchmarkException("cannot create a temporary folder: " + e.getMessage(), e);
        }
        progress.println("agents-sim: starting the coordinator JVM (data and log in " + work + ")");
        SimCounters counters = new SimCounters();
        List<SimAgent> agents = new ArrayList<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("agents-sim-heartbeats").daemon().factory());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        List<CoordinatorChild> started = new ArrayList<>();
        try {
            CoordinatorChild coordinator = CoordinatorChild.start(work, args.coordinators() == 1 ? "coordinator"
                    : "coordinator-1", args.interval(), args.db(), null);
            started.add(coordinator);
            for (int k = 2; k <= args.coordinators(); k++) {
                progress.println("agents-sim: starting coordinator " + k + " on the same database");
                started.add(CoordinatorChild.start(work, "coordinator-" + k, args.interval(), args.db(),
                        coordinator));
            }
            List<CoordinatorChild> coordinators = List.copyOf(started);
            List<AdminClient> admins = new ArrayList<>();
            for (CoordinatorChild c : coordinators) {
                admins.add(new AdminClient(http, URI.create("http://127.0.0.1:" + c.port() + "/"),
                        adminToken(coordinator)));
            }
            AdminClient admin = admins.getFirst();
            long t0 = System.nanoTime();
            List<String> tokens = all(args.agents(), SUBMITS_IN_FLIGHT, i -> admin.createToken("sim-" + i),
                    "create node tokens", coordinator, progress);
            progress.printf("agents-sim: %d node tokens in %.1f s%n", tokens.size(), (System.nanoTime() - t0) / 1e9);

            // Each agent heartbeats from its registration on, at a random phase within one interval: registering
            // thousands takes longer than the coordinator's lost-after TTL (3 intervals), so waiting for all of
            // them first would get the early ones declared lost.
            RandomGenerator random = new SplittableRandom(42);
            long intervalNanos = args.interval().toNanos();
            long registerStart = System.nanoTime();
            all(args.agents(), CONNECTS_IN_FLIGHT, i -> {
                // agent i on coordinator i mod K
                URI agentUri = URI.create("ws://127.0.0.1:" + coordinators.get(i % coordinators.size()).port()
                        + "/v1/agent");
                SimAgent agent = new SimAgent(i, tokens.get(i), counters);
                synchronized (agents) {
                    agents.add(agent);
                }
                long phase;
                synchronized (random) {
                    phase = random.nextLong(intervalNanos);
                }
                return agent.connect(http, agentUri, Duration.ofSeconds(30)).thenApply(nodeId -> {
                    ticker.scheduleAtFixedRate(agent::heartbeat, phase, intervalNanos, TimeUnit.NANOSECONDS);
                    return nodeId;
                });
            }, "register agents", coordinator, progress);
            double registerSeconds = (System.nanoTime() - registerStart) / 1e9;
            progress.printf("agents-sim: %d agents registered in %.1f s%n", args.agents(), registerSeconds);

            progress.println("agents-sim: heartbeating; one uncounted interval first (" + args.interval().toSeconds()
                    + " s)");
            Thread.sleep(args.interval().toMillis());

            progress.printf("agents-sim: measuring for %d s with %d jobs%n", args.duration().toSeconds(), args.jobs());
            long start = System.nanoTime();
            counters.openWindow(start);
            List<ProcStats.Sample> coordBefore = samples(coordinators);
            ProcStats.Sample selfBefore = selfSample();
            Map<String, Long> submittedAt = new ConcurrentHashMap<>();
            AtomicLong lastAnswer = new AtomicLong(start);
            Thread submitter = Thread.ofVirtual().name("agents-sim-submit").start(() ->
                    submit(admins, args.jobs(), args.batch(), submittedAt, lastAnswer, counters));
            Thread.sleep(args.duration().toMillis());
            long end = System.nanoTime();
            counters.closeWindow(end);
            List<ProcStats.Sample> coordAfter = samples(coordinators);
            ProcStats.Sample selfAfter = selfSample();

            long graceEnd = System.nanoTime() + GRACE.toNanos();
            while (System.nanoTime() < graceEnd && (counters.offerCount() < args.jobs()
                    || counters.heartbeatRtts().size() < counters.heartbeatsSent())) {
                Thread.sleep(200);
            }
            submitter.join(GRACE.toMillis());
            for (CoordinatorChild c : coordinators) {
                if (!c.alive()) {
                    throw new BenchmarkException("a coordinator exited during the run; see " + c.log() + ": "
                            + ChildOutput.tail(c.log()));
                }
            }
            if (counters.firstError() != null) {
                progress.println("agents-sim: first error: " + counters.firstError());
            }
            if (counters.firstDisconnect() != null) {
                progress.println("agents-sim: first disconnect: " + counters.firstDisconnect());
            }
            AgentsSimResult result = result(args, counters, submittedAt, lastAnswer.get(), registerSeconds, start, end,
                    coordBefore, coordAfter, selfBefore, selfAfter, args.db() == null ? "sqlite"
                            : "postgresql, " + args.coordinators() + " coordinator" + (args.coordinators() == 1 ? ""
                            : "s"), args.batch());
            out.print(args.json() ? result.json() + System.lineSeparator() : "agents-sim:" + System.lineSeparator()
                    + result.table());
            out.flush();
            return result;
        } finally {
            for (CoordinatorChild c : started) {
                c.close();
            }
            ticker.shutdownNow();
            synchronized (agents) {
                agents.forEach(SimAgent::close);
            }
            http.close();
        }
    }

    private static AgentsSimResult result(AgentsSimArgs args, SimCounters counters, Map<String, Long> submittedAt,
            long lastAnswer, double registerSeconds, long start, long end, List<ProcStats.Sample> coordBefore,
            List<ProcStats.Sample> coordAfter, ProcStats.Sample selfBefore, ProcStats.Sample selfAfter, String store,
            int batch) {
        List<Long> rtts = counters.heartbeatRtts();
        Map<String, Long> offers = counters.offers();
        List<Long> placement = new ArrayList<>();
        submittedAt.forEach((id, at) -> {
            Long offered = offers.get(id);
            if (offered != null) {
                placement.add(offered - at);
            }
        });
        long firstSubmit = submittedAt.values().stream().min(Comparator.naturalOrder()).orElse(start);
        long lastOffer = offers.values().stream().max(Comparator.naturalOrder()).orElse(firstSubmit);
        double placedPerSecond = lastOffer > firstSubmit ? placement.size() / ((lastOffer - firstSubmit) / 1e9) : 0;
        long window = end - start;
        double cpu = 0; // of all coordinators; memory of the largest
        long rss = 0;
        long hwm = 0;
        for (int k = 0; k < coordAfter.size(); k++) {
            cpu += ProcStats.cpuPercentOfOneCore(coordBefore.get(k), coordAfter.get(k), window);
            rss = Math.max(rss, coordAfter.get(k).rssKib());
            hwm = Math.max(hwm, coordAfter.get(k).hwmKib());
        }
        return new AgentsSimResult(args.agents(), args.interval().toMillis() / 1000.0, window / 1e9, registerSeconds,
                counters.heartbeatsSent(), rtts.isEmpty() ? Optional.empty() : Optional.of(Samples.of(rtts)),
                args.jobs(), Math.max(0, lastAnswer - firstSubmit) / 1e9, placement.size(), placedPerSecond,
                placement.isEmpty() ? Optional.empty() : Optional.of(Samples.of(placement)),
                counters.resultsAccepted(), cpu, rss / 1024.0, hwm / 1024.0,
                ProcStats.cpuPercentOfOneCore(selfBefore, selfAfter, window), counters.errors(),
                counters.disconnects(), store, batch);
    }

    /** Reads each coordinator's CPU time and memory now. */
    private static List<ProcStats.Sample> samples(List<CoordinatorChild> coordinators) throws BenchmarkException {
        List<ProcStats.Sample> samples = new ArrayList<>();
        for (CoordinatorChild c : coordinators) {
            samples.add(c.sample());
        }
        return samples;
    }

    /**
     * Submits {@code count} jobs, {@code batch} per call and a few calls at a time, to each coordinator in turn,
     * noting when each call started for each of its jobs.
     */
    private static void submit(List<AdminClient> admins, int count, int batch, Map<String, Long> submittedAt,
            AtomicLong lastAnswer, SimCounters counters) {
        Semaphore slots = new Semaphore(batch == 1 ? SUBMITS_IN_FLIGHT : BATCHES_IN_FLIGHT);
        for (int i = 0, call = 0; i < count; i += batch, call++) {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long at = System.nanoTime();
            admins.get(call % admins.size()).submitJobs(Math.min(batch, count - i)).whenComplete((ids, e) -> {
                slots.release();
                if (e != null) {
                    counters.error("job submission failed: " + e.getMessage());
                } else {
                    ids.forEach(id -> submittedAt.put(id, at));
                    lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
                }
            });
        }
    }

    /**
     * Runs {@code count} asynchronous steps, at most {@code inFlight} at a time, and returns their results in
     * order; stops at the first failure.
     */
    private static <T> List<T> all(int count, int inFlight, IntFunction<CompletableFuture<T>> step, String what,
            CoordinatorChild coordinator, PrintStream progress) throws BenchmarkException, InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<T>> futures = new ArrayList<>(count);
        int report = Math.max(1000, count / 10);
        for (int i = 0; i < count; i++) {
            while (!slots.tryAcquire(5, TimeUnit.SECONDS)) {
                firstFailure(futures, what, coordinator);
            }
            futures.add(step.apply(i).whenComplete((v, e) -> slots.release()));
            if ((i + 1) % report == 0 && i + 1 < count) {
                progress.printf("agents-sim: %s: %d/%d%n", what, i + 1, count);
            }
        }
        List<T> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            try {
                results.add(futures.get(i).get(120, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                throw failed(what, i, count, futures, e instanceof ExecutionException ? e.getCause() : e, coordinator);
            }
        }
        return results;
    }

    private static <T> void firstFailure(List<CompletableFuture<T>> futures, String what, CoordinatorChild coordinator)
            throws BenchmarkException {
        for (int i = 0; i < futures.size(); i++) {
            CompletableFuture<T> f = futures.get(i);
            if (f.isCompletedExceptionally()) {
                throw failed(what, i, futures.size(), futures, f.exceptionNow(), coordinator);
            }
        }
    }

    private static <T> BenchmarkException failed(String what, int index, int count, List<CompletableFuture<T>> futures,
            Throwable cause, CoordinatorChild coordinator) {
        long done = futures.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
        return new BenchmarkException(what + " failed at " + index + " of " + count + " (" + done + " done): "
                + cause.getMessage() + (coordinator.alive() ? "" : "; the coordinator exited, see "
                + coordinator.log() + ": " + ChildOutput.tail(coordinator.log())), cause);
    }

    private static String adminToken(CoordinatorChild coordinator) throws BenchmarkException {
        try {
            return Files.readString(coordinator.dataDir().resolve("admin.token")).strip();
        } catch (IOException e) {
            throw new BenchmarkException("cannot read the coordinator's admin token: " + e.getMessage(), e);
        }
    }

    private static ProcStats.Sample selfSample() throws BenchmarkException {
        try {
            return ProcStats.sample(ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new BenchmarkException("cannot read /proc/self: " + e.getMessage() + " (agents-sim needs Linux)", e);
        }
    }

    /**
     * Refuses to start when this process may not open a socket per agent; the coordinator, a child, inherits the
     * same limit and needs as many.
     */
    static void checkOpenFiles(int agents) throws BenchmarkException {
        OptionalLong limit;
        try {
            limit = ProcStats.openFileLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException | IllegalArgumentException e) {
            throw new BenchmarkException("cannot read the open-file limit from /proc/self/limits (" + e.getMessage()
                    + "); agents-sim needs Linux", e);
        }
        String problem = openFilesProblem(agents, limit);
        if (problem != null) {
            throw new BenchmarkException(problem);
        }
    }

    /** Why {@code limit} is too low for {@code agents}, or null when it is enough. */
    static String openFilesProblem(int agents, OptionalLong limit) {
        long needed = (long) agents + SPARE_FILES;
        if (limit.isEmpty() || limit.getAsLong() >= needed) {
            return null;
        }
        return "the open-file limit (ulimit -n) is " + limit.getAsLong() + ", but " + agents + " agents need about "
                + needed + " open files in this process and as many in the coordinator's (one socket per agent on "
                + "each side, plus " + SPARE_FILES + "); raise it, e.g. 'ulimit -n " + needed
                + "' (at most the hard limit, 'ulimit -Hn'), or run fewer agents";
    }
}
