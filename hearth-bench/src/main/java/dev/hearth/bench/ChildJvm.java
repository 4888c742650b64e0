// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.bench.sim.ProcStats;
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
 * A server a benchmark runs in a child JVM: the same {@code java} binary and classpath as this one, its stderr in a
 * log file, its port read from the first line of stdout that starts with a prefix. {@link #close()} closes its stdin
 * so it stops, and kills it if it has not exited within 10 s. Not thread-safe; owned by the benchmark's main thread.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String what;
    private final Process process;
    private final int port;
    private final Path log;

    private ChildJvm(String what, Process process, int port, Path log) {
        this.what = what;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with {@code args} and waits until it prints its port.
     *
     * @param what the child in words, for errors ("the coordinator")
     * @param portPrefix what the child prints before its port on stdout
     * @param log where its stderr goes
     * @throws BenchmarkException when it cannot start, exits or prints no port within 60 s (naming its log)
     */
    public static ChildJvm start(String what, Class<?> mainClass, List<String> args, String portPrefix, Path log)
            throws BenchmarkException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        } catch (IOException e) {
            throw new BenchmarkException("cannot start the JVM of " + what + " (" + command.getFirst() + "): "
                    + e.getMessage(), e);
        }
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> ChildOutput.readPort(process, portPrefix));
        try {
            return new ChildJvm(what, process, port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), log);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new BenchmarkException(what + " did not report its port within " + START_TIMEOUT.toSeconds()
                    + " s (" + (e instanceof ExecutionException ? e.getCause().getMessage() : "timed out") + "); see "
                    + log + ": " + ChildOutput.tail(log), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** Its stderr log. */
    public Path log() {
        return log;
    }

    /** Whether it is still running. */
    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Reads its CPU time and memory now.
     *
     * @throws BenchmarkException when it has exited or /proc is unreadable
     */
    public ProcStats.Sample sample() throws BenchmarkException {
        try {
            return ProcStats.sample(process.pid());
        } catch (IOException | IllegalArgumentException e) {
            throw new BenchmarkException("cannot read /proc/" + process.pid() + " of " + what + " ("
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
