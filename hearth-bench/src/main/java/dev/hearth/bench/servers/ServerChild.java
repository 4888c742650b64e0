package dev.hearth.bench.servers;

import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildOutput;
import dev.hearth.bench.sim.ProcStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A candidate server running as {@link ServerProcess} in a child JVM: the same {@code java} binary and classpath
 * as this one, default JVM flags, its stderr in a log file. {@link #close()} closes its stdin so it stops, and kills
 * it if it has not exited within 10 s. Not thread-safe; owned by the benchmark's main thread.
 */
final class ServerChild implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Candidate candidate;
    private final Process process;
    private final int port;
    private final Path log;

    private ServerChild(Candidate candidate, Process process, int port, Path log) {
        this.candidate = candidate;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the child and waits until it prints its port.
     *
     * @param log where its stderr goes
     * @throws BenchmarkException when it cannot start, exits or prints no port within 60 s (naming its log)
     */
    static ServerChild start(Candidate candidate, Path log) throws BenchmarkException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ServerProcess.class.getName(), candidate.cliName());
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        } catch (IOException e) {
            throw new BenchmarkException("cannot start the " + candidate.cliName() + " server JVM ("
                    + command.getFirst() + "): " + e.getMessage(), e);
        }
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> ChildOutput.readPort(process, ServerProcess.PORT_PREFIX));
        try {
            return new ServerChild(candidate, process, port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), log);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new BenchmarkException("the " + candidate.cliName() + " server did not report its port within "
                    + START_TIMEOUT.toSeconds() + " s (" + (e instanceof ExecutionException
                    ? e.getCause().getMessage() : "timed out") + "); see " + log + ": " + ChildOutput.tail(log), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }



    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * Reads its CPU time and memory now.
     *
     * @throws BenchmarkException when it has exited or /proc is unreadable
     */
    ProcStats.Sample sample() throws BenchmarkException {
        try {
            return ProcStats.sample(process.pid());
        } catch (IOException | IllegalArgumentException e) {
            throw new BenchmarkException("cannot read /proc/" + process.pid() + " of the " + candidate.cliName()
                    + " server (" + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "): "
                    + e.getMessage() + "; see " + log + ": " + ChildOutput.tail(log), e);
        }
    }

    /** Its heap in use after a full collection, in KiB; empty when jcmd is missing or fails. */
    OptionalLong liveHeapKib() throws InterruptedException {
        return LiveHeap.afterFullGc(process.pid());
    }

    /** Closes its stdin so it stops cleanly; kills it if it has not exited within 10 s. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // its stdin is already gone: it is exiting or exited; the wait below settles which
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
