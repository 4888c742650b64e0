// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.receipt.ResourceUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a running container's CPU time and peak memory from its cgroup files on the host.
 *
 * <p>Why sampling: the engine removes a container's cgroup as soon as its last process exits, before anyone could
 * read final totals, and the stats API samples only once a second. So a virtual thread reads the files every
 * {@link #PERIOD} while the container runs and keeps the largest figures seen. CPU time is cumulative, so the last
 * sample misses at most one period of CPU before exit; peak memory is the kernel's own high-water mark (cgroup v1
 * {@code memory.max_usage_in_bytes}, v2 {@code memory.peak}; where v2 lacks it, the largest {@code memory.current}
 * sampled). The cgroup is found from {@code /proc/PID/cgroup} of the container's main process, so it works for the
 * cgroupfs and systemd drivers on v1 and v2 alike; an agent that cannot see the host's {@code /proc} and
 * {@code /sys/fs/cgroup} (a remote engine, another pid namespace) measures nothing and reports unknown figures.
 * Thread-safe.
 */
final class CgroupUsage implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CgroupUsage.class);
    static final Duration PERIOD = Duration.ofMillis(50);

    private final Path cpuFile;
    private final boolean cpuInMicros;
    private final List<Path> memoryFiles;
    private final Thread sampler;
    private volatile Long cpuNanos;
    private volatile Long peakMemory;
    private volatile boolean closed;

    private CgroupUsage(Path cpuFile, boolean cpuInMicros, List<Path> memoryFiles, String name) {
        this.cpuFile = cpuFile;
        this.cpuInMicros = cpuInMicros;
        this.memoryFiles = memoryFiles;
        sample();
        this.sampler = Thread.ofVirtual().name("hearth-usage-" + name).start(this::run);
    }

    /** Starts measuring the container whose main process is {@code pid}; empty when its cgroup cannot be read. */
    static Optional<CgroupUsage> watch(Path sysRoot, long pid, String name) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            CgroupPaths paths = CgroupPaths.of(sysRoot, pid);
            Path cgroups = paths.cgroups();
            if (paths.v1()) {
                Path mem = cgroups.resolve("memory").resolve(paths.memory().get());
                return Optional.of(new CgroupUsage(cgroups.resolve("cpuacct").resolve(paths.cpuacct().get())
                        .resolve("cpuacct.usage"), false, List.of(mem.resolve("memory.max_usage_in_bytes")), name));
            }
            String unified = paths.unified().orElse(null);
            if (unified != null) {
                Path group = cgroups.resolve(unified);
                Path peak = group.resolve("memory.peak");
                return Optional.of(new CgroupUsage(group.resolve("cpu.stat"), true,
                        List.of(Files.exists(peak) ? peak : group.resolve("memory.current")), name));
            }
            log.debug("no cpuacct/memory cgroup for container {} in {}", name, paths.lines());
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read the cgroup of container {} (pid {}): {}", name, pid, e.toString());
        }
        return Optional.empty();
    }

    /** The largest figures sampled so far; GPU time is not measured here. */
    ResourceUsage usage() {
        Long cpu = cpuNanos;
        return new ResourceUsage(cpu == null ? null : cpu / 1_000_000, peakMemory, null);
    }

    private void run() {
        while (!closed && sample()) {
            try {
                Thread.sleep(PERIOD);
            } catch (InterruptedException e) {
                return; // close() interrupts: stop sampling
            }
        }
    }

    /** Reads the files once; false when the cgroup is gone (the container exited). */
    private boolean sample() {
        try {
            long cpu = cpuInMicros ? usageMicros(Files.readAllLines(cpuFile)) * 1000
                    : Long.parseLong(Files.readString(cpuFile).trim());
            long mem = 0;
            for (Path f : memoryFiles) {
                mem = Math.max(mem, Long.parseLong(Files.readString(f).trim()));
            }
            Long seenCpu = cpuNanos;
            Long seenMem = peakMemory;
            cpuNanos = seenCpu == null ? cpu : Math.max(seenCpu, cpu);
            peakMemory = seenMem == null ? mem : Math.max(seenMem, mem);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long usageMicros(List<String> cpuStat) {
        for (String line : cpuStat) {
            if (line.startsWith("usage_usec ")) {
                return Long.parseLong(line.substring("usage_usec ".length()).trim());
            }
        }
        throw new IllegalStateException("cpu.stat has no usage_usec");
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
    }
}
