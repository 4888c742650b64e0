// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.GpuRequest;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.job.PythonScript;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a Hypernode v2.0 job ({@code type: job}) into the Hearth job that runs it, never with weaker isolation than
 * a Hearth job gets: Hearth's Python image with the script delivered as {@code /job/script.py} (the original never
 * mounted it), no network, Hearth's process limit, the v2.0 memory and CPU limits (CPUs cut to the host's), at most
 * one GPU (never every GPU), and this node's job timeout. What cannot be honoured that way is refused with an
 * {@link InvalidInputException} naming the v2.0 field: pip requirements (they need a network), data sets (this node
 * fetches none), a GPU job on a node without a free GPU, more memory than the host has. Stateless.
 */
final class V2Job {

    /** The image v2.0 jobs run in (the original's python:3.11-slim, built and pinned by Hearth). */
    static final String IMAGE = BaseImages.PYTHON;
    /** Where the job's script is delivered. */
    static final String SCRIPT_PATH = "/job/script.py";
    /** v2.0's defaults for an absent memoryLimit and cpuLimit. */
    static final String DEFAULT_MEMORY = "8g";
    static final double DEFAULT_CPUS = 2.0;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    /** What the host offers v2.0 jobs. */
    record Host(int cpus, long memoryBytes, List<Integer> gpus, Duration jobTimeout) {
    }

    /** What the jobs running now hold: their GPUs and the sum of their memory limits. */
    record Busy(Set<Integer> gpus, long memoryBytes) {

        /** Nothing running. */
        static final Busy NONE = new Busy(Set.of(), 0);
    }

    private V2Job() {
    }

    /**
     * The Hearth job for {@code offer} on {@code host} while {@code busy} is taken by running jobs: memory limits
     * are never promised past the host's memory in all, and a GPU in use is not handed out again.
     *
     * @throws InvalidInputException naming the v2.0 field ({@code job.script}, ...) that cannot be honoured here
     */
    static JobSpec toSpec(JobOffer offer, Host host, Busy busy) {
        if (offer.id() == null || !ID.matcher(offer.id()).matches()) {
            throw new InvalidInputException("job.id", offer.id() == null ? null : V2Result.bounded(offer.id()),
                    "1 to 128 characters of [A-Za-z0-9_.-]");
        }
        if (offer.script() == null || offer.script().isBlank()) {
            throw new InvalidInputException("job.script", offer.script(),
                    "the job's Python source (a v2.0 job without a script has nothing to run)");
        }
        if (hasDatasets(offer.datasets())) {
            throw new InvalidInputException("job.datasets", "(given)",
                    "none: a Hearth node fetches no data sets for v2.0 jobs (their network stays closed)");
        }
        if (offer.requirements() != null && !offer.requirements().isBlank()) {
            throw new InvalidInputException("job.requirements", V2Result.bounded(offer.requirements()),
                    "empty: a Hearth node runs v2.0 jobs without network (as the original meant to), so pip cannot "
                            + "install packages; the script may use Python's standard library");
        }
        List<JobFile> files = new ArrayList<>();
        files.add(new JobFile(SCRIPT_PATH, offer.script().getBytes(StandardCharsets.UTF_8), 0644));
        List<String> command = PythonScript.command("job.requirements", "", NetworkMode.NONE, SCRIPT_PATH,
                List.of(), files);
        String memoryText = offer.memoryLimit() == null || offer.memoryLimit().isBlank() ? DEFAULT_MEMORY
                : V2Result.bounded(offer.memoryLimit());
        ByteSize memory = ByteSize.parse("job.memoryLimit", memoryText);
        if (memory.bytes() > host.memoryBytes()) {
            throw new InvalidInputException("job.memoryLimit", memoryText,
                    "at most this host's memory, " + new ByteSize(host.memoryBytes()));
        }
        long free = host.memoryBytes() - busy.memoryBytes();
        if (memory.bytes() > free) {
            throw new InvalidInputException("job.memoryLimit", memoryText, "at most the memory not promised to the "
                    + "jobs running here, " + (free <= 0 ? "none" : new ByteSize(free)) + " of "
                    + new ByteSize(host.memoryBytes()) + " now; offer it again when they end");
        }
        double asked = offer.cpuLimit() == 0 ? DEFAULT_CPUS : offer.cpuLimit();
        if (!(asked > 0) || Double.isInfinite(asked)) {
            throw new InvalidInputException("job.cpuLimit", String.valueOf(offer.cpuLimit()), CpuQuota.FORM);
        }
        // fewer CPUs than asked is a stricter limit, never a weaker one; Docker refuses more than the host has
        CpuQuota cpus = CpuQuota.parse("job.cpuLimit", String.format(java.util.Locale.ROOT, "%.3f",
                Math.min(asked, host.cpus())));
        JobSpec.Builder b = JobSpec.builder(offer.id(), IMAGE, command)
                .limits(new Limits(memory, cpus, Limits.JOB_DEFAULTS.pids()))
                .network(NetworkPolicy.NONE)
                .timeout(host.jobTimeout())
                .gpus(gpu(offer.gpuRequired(), host, busy.gpus()));
        files.forEach(b::file);
        return b.build();
    }

    private static GpuRequest gpu(boolean wanted, Host host, Set<Integer> busy) {
        if (!wanted) {
            return GpuRequest.NONE;
        }
        if (host.gpus().isEmpty()) {
            throw new InvalidInputException("job.gpuRequired", "true", "false: this node has no GPU");
        }
        for (int index : host.gpus()) {
            if (!busy.contains(index)) {
                return new GpuRequest(1, List.of(String.valueOf(index)), 0);
            }
        }
        throw new InvalidInputException("job.gpuRequired", "true", "false for now: every GPU of this node ("
                + host.gpus().size() + ") runs a job; offer it again when one is free");
    }

    private static boolean hasDatasets(JsonNode datasets) {
        return datasets != null && !datasets.isNull() && !(datasets.isContainerNode() && datasets.isEmpty())
                && !(datasets.isTextual() && datasets.asText().isBlank());
    }
}
