// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildJvm;
import dev.hearth.bench.sim.ProcStats;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * A candidate server running as {@link ServerProcess} in a child JVM ({@link ChildJvm}: default JVM flags, its
 * stderr in a log file). {@link #close()} stops it. Not thread-safe; owned by the benchmark's main thread.
 */
final class ServerChild implements AutoCloseable {

    private final ChildJvm jvm;

    private ServerChild(ChildJvm jvm) {
        this.jvm = jvm;
    }

    /**
     * Starts the child and waits until it prints its port.
     *
     * @param log where its stderr goes
     * @throws BenchmarkException when it cannot start, exits or prints no port within 60 s (naming its log)
     */
    static ServerChild start(Candidate candidate, Path log) throws BenchmarkException, InterruptedException {
        return new ServerChild(ChildJvm.start("the " + candidate.cliName() + " server", ServerProcess.class,
                List.of(candidate.cliName()), ServerProcess.PORT_PREFIX, log));
    }

    int port() {
        return jvm.port();
    }

    Path log() {
        return jvm.log();
    }

    boolean alive() {
        return jvm.alive();
    }

    /**
     * Reads its CPU time and memory now.
     *
     * @throws BenchmarkException when it has exited or /proc is unreadable
     */
    ProcStats.Sample sample() throws BenchmarkException {
        return jvm.sample();
    }

    /** Its heap in use after a full collection, in KiB; empty when jcmd is missing or fails. */
    OptionalLong liveHeapKib() throws InterruptedException {
        return LiveHeap.afterFullGc(jvm.pid());
    }

    /** Closes its stdin so it stops cleanly; kills it if it has not exited within 10 s. */
    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }
}
