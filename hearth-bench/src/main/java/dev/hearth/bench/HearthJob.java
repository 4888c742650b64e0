// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.agent.jobs.JobRunner;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.sandbox.LogSink;
import java.util.List;
import java.util.UUID;

/**
 * The Hearth contender: {@code true} as a job through {@link JobRunner}, the code path of {@code hearth run}.
 *
 * <p>Each run builds a job with a fresh id and Hearth's defaults (no network, 512m, 1.5 CPUs, 256 pids, read-only
 * root, non-root user), runs it with its output discarded, and requires it to complete with exit 0.
 */
final class HearthJob implements Contender {

    private final JobRunner runner;
    private final String image;

    HearthJob(JobRunner runner, String image) {
        this.runner = runner;
        this.image = image;
    }

    @Override
    public String name() {
        return "hearth";
    }

    @Override
    public void runOnce() throws BenchmarkException, InterruptedException {
        JobSpec job = JobSpec.builder("bench-" + UUID.randomUUID(), image, List.of("true")).build();
        JobResult result = runner.run(job, LogSink.discard());
        if (result.status() != JobStatus.COMPLETED || result.exitCode() != 0) {
            throw new BenchmarkException("hearth job " + job.id() + " ended " + result.status().wireName()
                    + " (exit " + result.exitCode() + ")" + (result.message() == null ? "" : ": " + result.message()));
        }
    }
}
