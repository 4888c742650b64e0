// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildOutput;
import dev.hearth.bench.Samples;
import dev.hearth.bench.sim.ProcStats;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * The {@code ws-servers} benchmark: the same minimal heartbeat server ({@link HeartbeatAnswer} behind
 * {@code /v1/agent}) on each candidate library, one after the other, each in its own child JVM
 * ({@link ServerChild}), under N heartbeating clients in this one ({@link WsClient}).
 *
 * <p>Per candidate: start it and check {@code GET /healthz}; read its idle memory; open N WebSockets, at most
 * {@link #CONNECTS_IN_FLIGHT} at a time, timing them all; start each client's heartbeat at a random phase within
 * one interval (seeded alike for every candidate); warm up for {@link #warmup} uncounted; measure for the window
 * (CPU from /proc at its two ends, heartbeats counted when sent inside it); give up to {@link #GRACE} for late acks;
 * read its live heap after a full collection ({@link LiveHeap}); close the clients and stop the child. A candidate that fails is reported and the others still run.
 */
public final class WsServers {

    /** Open files needed besides one socket per client. */
    static final int SPARE_FILES = 512;
    static final int CONNECTS_IN_FLIGHT = 200;
    static final Duration GRACE = Duration.ofSeconds(10);
    static final Duration MIN_WARMUP = Duration.ofSeconds(10);

    private WsServers() {
    }

    /**
     * Runs the benchmark and prints a table per candidate and one side by side (or, with {@code --json}, one JSON
     * object) on {@code out}; progress goes to {@code progress}.
     *
     * @return the candidates' results, in order; those that failed are missing
     * @throws BenchmarkException when the open-file limit is too low or any candidate failed (after all ran)
     */
    public static List<WsServerResult> run(WsServersArgs args, PrintStream out, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        checkOpenFiles(args.agents());
        Path work;
        try {
            work = Files.createTempDirectory("hearth-ws-servers-");
        } catch (IOException e) {
            throw new BenchmarkException("cannot create a temporary folder: " + e.getMessage(), e);
        }
        List<WsServerResult> results = new ArrayList<>();
        Map<Candidate, String> failures = new LinkedHashMap<>();
        for (Candidate candidate : args.servers()) {
            try {
                WsServerResult r = measure(candidate, args, work.resolve(candidate.cliName() + ".log"), progress);
                results.add(r);
                if (!args.json()) {
                    out.print("ws-servers: " + r.candidate().titleAndVersion() + System.lineSeparator() + r.table());
                    out.flush();
                }
            } catch (BenchmarkException e) {
                progress.println("ws-servers: " + candidate.cliName() + " failed: " + e.getMessage());
                failures.put(candidate, e.getMessage());
            }
            Thread.sleep(2000); // let the last child's sockets close before the next one starts
        }
        if (args.json()) {
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("benchmark", "ws-servers").put("agents", args.agents())
                    .put("intervalSeconds", args.interval().toMillis() / 1000.0)
                    .put("durationSeconds", args.duration().toMillis() / 1000.0)
                    .put("cpus", Runtime.getRuntime().availableProcessors())
                    .put("java", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.version"));
            ArrayNode array = o.putArray("results");
            results.forEach(r -> array.add(r.json()));
            ObjectNode failed = o.putObject("failures");
            failures.forEach((c, text) -> failed.put(c.cliName(), text));
            out.println(o);
        } else if (results.size() > 1) {
            out.print("ws-servers: side by side" + System.lineSeparator() + WsServerResult.comparison(results));
        }
        out.flush();
        if (!failures.isEmpty()) {
            throw new BenchmarkException(failures.size() + " of " + args.servers().size() + " candidates failed: "
                    + failures);
        }
        return results;
    }

    /** How long the clients heartbeat before the window opens: one interval, and at least 10 s for the JIT. */
    static Duration warmup(Duration interval) {
        return interval.compareTo(MIN_WARMUP) > 0 ? interval : MIN_WARMUP;
    }

    private static WsServerResult measure(Candidate candidate, WsServersArgs args, Path log, PrintStream progress)
            throws BenchmarkException, InterruptedException {
        String name = candidate.cliName();
        progress.println("ws-servers: " + name + ": starting its JVM (log " + log + ")");
        RoundTrips counters = new RoundTrips();
        List<WsClient> clients = new ArrayList<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ws-servers-heartbeats").daemon().factory());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try (ServerChild server = ServerChild.start(candidate, log)) {
            checkHealth(http, server, name);
            Thread.sleep(1000);
            double idleRss = server.sample().rssKib() / 1024.0;

            RandomGenerator random = new SplittableRandom(42);
            long intervalNanos = args.interval().toNanos();
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + WsServer.AGENT_PATH);
            Semaphore slots = new Semaphore(CONNECTS_IN_FLIGHT);
            List<CompletableFuture<Void>> opens = new ArrayList<>(args.agents());
            long connectStart = System.nanoTime();
            for (int i = 0; i < args.agents(); i++) {
                while (!slots.tryAcquire(5, TimeUnit.SECONDS)) {
                    failFast(opens, name, server);
                }
                WsClient client = new WsClient(i, counters);
                clients.add(client);
                long phase = random.nextLong(intervalNanos);
                opens.add(client.connect(http, uri, Duration.ofSeconds(30)).whenComplete((v, e) -> {
                    slots.release();
                    if (e == null) {
                        ticker.scheduleAtFixedRate(client::heartbeat, phase, intervalNanos, TimeUnit.NANOSECONDS);
                    }
                }));
            }
            for (int i = 0; i < opens.size(); i++) {
                try {
                    opens.get(i).get(120, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new BenchmarkException(name + ": client " + i + " of " + args.agents() + " did not connect: "
                            + (e instanceof ExecutionException ? e.getCause() : e) + state(server), e);
                }
            }
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            progress.printf("ws-servers: %s: %d clients connected in %.2f s; warming up for %d s%n", name,
                    args.agents(), connectSeconds, warmup(args.interval()).toSeconds());
            Thread.sleep(warmup(args.interval()).toMillis());

            progress.printf("ws-servers: %s: measuring for %d s%n", name, args.duration().toSeconds());
            long start = System.nanoTime();
            counters.openWindow(start);
            ProcStats.Sample serverBefore = server.sample();
            ProcStats.Sample selfBefore = selfSample();
            Thread.sleep(args.duration().toMillis());
            long end = System.nanoTime();
            counters.closeWindow(end);
            ProcStats.Sample serverAfter = server.sample();
            ProcStats.Sample selfAfter = selfSample();

            long graceEnd = System.nanoTime() + GRACE.toNanos();
            while (System.nanoTime() < graceEnd && counters.acked() < counters.sent()) {
                Thread.sleep(100);
            }
            if (!server.alive()) {
                throw new BenchmarkException(name + ": the server exited during the run" + state(server));
            }
            // After the window's figures: a full collection costs CPU and pauses the server.
            OptionalLong liveHeap = server.liveHeapKib();
            if (counters.firstError() != null) {
                progress.println("ws-servers: " + name + ": first error: " + counters.firstError());
            }
            if (counters.firstDisconnect() != null) {
                progress.println("ws-servers: " + name + ": first disconnect: " + counters.firstDisconnect());
            }
            List<Long> rtts = counters.rtts();
            long window = end - start;
            return new WsServerResult(candidate, candidate.version(), args.agents(),
                    args.interval().toMillis() / 1000.0, window / 1e9, connectSeconds, counters.sent(),
                    rtts.isEmpty() ? Optional.empty() : Optional.of(Samples.of(rtts)),
                    ProcStats.cpuPercentOfOneCore(serverBefore, serverAfter, window), idleRss,
                    serverAfter.rssKib() / 1024.0, serverAfter.hwmKib() / 1024.0,
                    liveHeap.isPresent() ? liveHeap.getAsLong() / 1024.0 : Double.NaN,
                    ProcStats.cpuPercentOfOneCore(selfBefore, selfAfter, window), counters.errors(),
                    counters.disconnects());
        } finally {
            ticker.shutdownNow();
            clients.forEach(WsClient::close);
            http.close();
        }
    }

    private static void checkHealth(HttpClient http, ServerChild server, String name)
            throws BenchmarkException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/healthz");
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200 || !res.body().equals("ok")) {
                throw new BenchmarkException(name + ": GET " + uri + " answered " + res.statusCode() + " '"
                        + res.body() + "', expected 200 'ok'" + state(server));
            }
        } catch (IOException e) {
            throw new BenchmarkException(name + ": GET " + uri + " failed: " + e + state(server), e);
        }
    }

    private static void failFast(List<CompletableFuture<Void>> opens, String name, ServerChild server)
            throws BenchmarkException {
        for (int i = 0; i < opens.size(); i++) {
            if (opens.get(i).isCompletedExceptionally()) {
                throw new BenchmarkException(name + ": client " + i + " did not connect: "
                        + opens.get(i).exceptionNow() + state(server));
            }
        }
    }

    private static String state(ServerChild server) {
        return (server.alive() ? "" : "; the server exited") + "; see " + server.log() + ": "
                + ChildOutput.tail(server.log());
    }

    private static ProcStats.Sample selfSample() throws BenchmarkException {
        try {
            return ProcStats.sample(ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new BenchmarkException("cannot read /proc/self: " + e.getMessage() + " (ws-servers needs Linux)", e);
        }
    }

    /** Refuses to start when this process may not open a socket per client; each child inherits the limit. */
    static void checkOpenFiles(int agents) throws BenchmarkException {
        OptionalLong limit;
        try {
            limit = ProcStats.openFileLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException | IllegalArgumentException e) {
            throw new BenchmarkException("cannot read the open-file limit from /proc/self/limits (" + e.getMessage()
                    + "); ws-servers needs Linux", e);
        }
        long needed = (long) agents + SPARE_FILES;
        if (limit.isPresent() && limit.getAsLong() < needed) {
            throw new BenchmarkException("the open-file limit (ulimit -n) is " + limit.getAsLong() + ", but " + agents
                    + " clients need about " + needed + " open files here and as many in each server JVM; raise it, "
                    + "e.g. 'ulimit -n " + needed + "', or run fewer clients");
        }
    }
}
