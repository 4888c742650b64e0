// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import dev.hearth.bench.BenchmarkException;
import dev.hearth.bench.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator running as {@link CoordinatorProcess} in a child JVM ({@link ChildJvm}), its store and admin token in
 * a data folder, its stderr (WARN and above) in {@code coordinator.log} beside it. {@link #close()} stops it. Not
 * thread-safe; owned by the benchmark's main thread.
 */
final class CoordinatorChild implements AutoCloseable {

    private final ChildJvm jvm;
    private final Path dataDir;

    private CoordinatorChild(ChildJvm jvm, Path dataDir) {
        this.jvm = jvm;
        this.dataDir = dataDir;
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
        return start(workDir, "coordinator", heartbeat, null, null);
    }

    /**
     * Starts the child named {@code name} (its data in {@code workDir/NAME-data}, its log in
     * {@code workDir/NAME.log}) on the PostgreSQL database {@code db} (null: SQLite in its data folder), with the admin
     * token and coordinator key of {@code sharing} (null: its own), as coordinators sharing a database have them.
     */
    static CoordinatorChild start(Path workDir, String name, Duration heartbeat, String db, CoordinatorChild sharing)
            throws BenchmarkException, InterruptedException {
        Path data = workDir.resolve("coordinator".equals(name) ? "data" : name + "-data");
        if (sharing != null) {
            try {
                Files.createDirectories(data);
                for (String file : List.of("admin.token", "coordinator.key")) {
                    Path from = sharing.dataDir().resolve(file);
                    if (Files.exists(from)) {
                        Files.copy(from, data.resolve(file));
                    }
                }
            } catch (IOException e) {
                throw new BenchmarkException("cannot give " + name + " the first coordinator's admin token and key: "
                        + e.getMessage(), e);
            }
        }
        List<String> args = new ArrayList<>(List.of(data.toString(), Long.toString(heartbeat.toMillis())));
        if (db != null) {
            args.add(db);
        }
        return new CoordinatorChild(ChildJvm.start("the " + name, CoordinatorProcess.class, args,
                CoordinatorProcess.PORT_PREFIX, workDir.resolve(name + ".log")), data);
    }

    /** The port it listens on, on 127.0.0.1. */
    int port() {
        return jvm.port();
    }

    /** The child's process id. */
    long pid() {
        return jvm.pid();
    }

    /** Its data folder, holding {@code admin.token}. */
    Path dataDir() {
        return dataDir;
    }

    /** Its stderr log. */
    Path log() {
        return jvm.log();
    }

    /** Whether it is still running. */
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

    /** Closes its stdin so it stops cleanly; kills it if it has not exited within 10 s. */
    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }
}
