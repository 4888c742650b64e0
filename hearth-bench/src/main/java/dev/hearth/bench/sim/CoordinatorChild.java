package dev.hearth.bench.sim;

import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A coordinator running as {@link CoordinatorProcess} in a child JVM: the same {@code java} binary and classpath
 * as this one, its store and admin token in a data folder, its stderr (WARN and above) in {@code coordinator.log}
 * beside it. {@link #close()} closes its stdin so it stops its server, and kills it if it has not exited within
 * 10 s. Not thread-safe; owned by the benchmark's main thread.
 */
final class CoordinatorChild implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final Path dataDir;
    private final Path log;

    private CoordinatorChild(Process process, int port, Path dataDir, Path log) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
        this.log = log;
    }

    /**
     * Starts the child and waits until it prints its port.
     *
     * @param workDir a fresh folder; the store goes in {@code workDir/data}, the log in
     *     {@code workDir/coordinator.log}
     * @param heartbeat the interval agents are told to heartbeat at
     * @throws BenchmarkException when it cannot start, exits or prints no port within 60 s (naming its log)
     */
    static CoordinatorChild start(Path workDir, Duration heartbeat) throws BenchmarkException, InterruptedException {
        Path data = workDir.resolve("data");
        Path log = workDir.resolve("coordinator.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CoordinatorProcess.class.getName());
        command.add(data.toString());
        command.add(Long.toString(heartbeat.toMillis()));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        } catch (IOException e) {
            throw new BenchmarkException("cannot start the coordinator JVM (" + command.getFirst() + "): "
                    + e.getMessage(), e);
        }
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> ChildOutput.readPort(process, CoordinatorProcess.PORT_PREFIX));
        try {
            return new CoordinatorChild(process, port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), data, log);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new BenchmarkException("the coordinator did not report its port within " + START_TIMEOUT.toSeconds()
                    + " s (" + (e instanceof ExecutionException ? e.getCause().getMessage() : "timed out")
                    + "); see " + log + ": " + ChildOutput.tail(log), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }



    /** The port it listens on, on 127.0.0.1. */
    int port() {
        return port;
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    /** Its data folder, holding {@code admin.token}. */
    Path dataDir() {
        return dataDir;
    }

    /** Its stderr log. */
    Path log() {
        return log;
    }

    /** Whether it is still running. */
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
            throw new BenchmarkException("cannot read /proc/" + process.pid() + " of the coordinator ("
                    + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "): " + e.getMessage()
                    + "; see " + log + ": " + ChildOutput.tail(log), e);
        }
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
