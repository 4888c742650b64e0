// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.util.Objects;

/**
 * Resource limits of one sandbox: memory (no swap beyond it), CPU quota and the number of processes.
 *
 * @param memory hard memory limit; the sandbox is killed (and reported OOM) past it
 * @param cpus CPU time allowance, in CPUs
 * @param pids most processes and threads alive at once inside the sandbox
 */
public record Limits(ByteSize memory, CpuQuota cpus, long pids) {

    /** Hearth's defaults for a job: 512m of memory, 1.5 CPUs, 256 processes. */
    public static final Limits JOB_DEFAULTS = new Limits(new ByteSize(512L << 20), new CpuQuota(1_500_000_000L), 256);

    public Limits {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(cpus, "cpus");
        if (pids <= 0) {
            throw new IllegalArgumentException("pids limit must be positive, got " + pids);
        }
    }

    /** These limits with another memory limit. */
    public Limits withMemory(ByteSize value) {
        return new Limits(value, cpus, pids);
    }

    /** These limits with another CPU quota. */
    public Limits withCpus(CpuQuota value) {
        return new Limits(memory, value, pids);
    }

    /** These limits with another process limit. */
    public Limits withPids(long value) {
        return new Limits(memory, cpus, value);
    }
}
