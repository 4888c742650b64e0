// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.job.JobDocument;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobWire;
import dev.hearth.core.trace.Traceparent;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A job as the store keeps it: the wire form of its spec (what an agent runs) and what the scheduler needs
 * (GPU count and memory, the estimated time). Secrets are inside the spec: the store file is mode 600.
 *
 * @param spec the job's spec, as sent to agents (GPU indexes empty until a lease assigns them)
 * @param estimatedSeconds the submitter's estimate
 * @param gpuCount GPUs wanted
 * @param minVramMib least memory each GPU must have
 * @param traceparent the W3C traceparent the job was submitted under (every offer carries it); null for jobs
 *     stored before traces
 * @param runtime the sandbox runtime the job must run in; null (jobs stored before runtimes, and Docker jobs) means
 *     {@link JobOffer#DEFAULT_RUNTIME}
 */
public record StoredSpec(JobOffer.WireJobSpec spec, long estimatedSeconds, int gpuCount, long minVramMib,
        String traceparent, String runtime) {

    /** A stored spec for the default runtime. */
    public StoredSpec(JobOffer.WireJobSpec spec, long estimatedSeconds, int gpuCount, long minVramMib,
            String traceparent) {
        this(spec, estimatedSeconds, gpuCount, minVramMib, traceparent, null);
    }

    /** The runtime the job must run in, {@link JobOffer#DEFAULT_RUNTIME} when none is stored. */
    public String runtimeOrDefault() {
        return runtime == null ? JobOffer.DEFAULT_RUNTIME : runtime;
    }

    /** The stored form of a validated submission, without a trace. */
    public static StoredSpec of(JobDocument.Submission s) {
        return of(s, null);
    }

    /** The stored form of a validated submission under {@code trace}. */
    public static StoredSpec of(JobDocument.Submission s, Traceparent trace) {
        JobSpec job = s.spec();
        return new StoredSpec(JobWire.toWire(job, List.of()), s.estimatedSeconds(), job.gpus().count(),
                job.gpus().minVramMib(), trace == null ? null : trace.toString(),
                JobOffer.DEFAULT_RUNTIME.equals(s.runtime()) ? null : s.runtime());
    }

    /**
     * The trace id a stored job was submitted under, or null (none, or a spec the store cannot read: that fails
     * elsewhere with its own message; a log field need not).
     */
    public static String traceIdOf(String specJson) {
        try {
            return parse(specJson).traceId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The trace id of its traceparent, or null. */
    public String traceId() {
        return Traceparent.parse(traceparent).map(Traceparent::traceId).orElse(null);
    }

    /** Reads the store's JSON. */
    public static StoredSpec parse(String json) {
        try {
            return Json.mapper().readValue(json, StoredSpec.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored job spec is not readable: " + e.getOriginalMessage(), e);
        }
    }

    /** The store's JSON. */
    public String json() {
        try {
            return Json.mapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a stored spec always serialises", e);
        }
    }

    /** The offer for a lease of this job. */
    public JobOffer offer(String jobId, long epoch, List<Integer> gpuIndexes) {
        JobOffer.WireJobSpec s = new JobOffer.WireJobSpec(spec.image(), spec.command(), spec.env(), spec.secrets(),
                spec.files(), spec.memory(), spec.cpus(), spec.pids(), spec.network(), spec.timeoutSeconds(),
                gpuIndexes);
        return new JobOffer(jobId, "", gpuCount > 0, spec.memory(), Double.parseDouble(spec.cpus()), null, null,
                estimatedSeconds, epoch, s, traceparent).withRuntime(runtimeOrDefault());
    }

    @Override
    public String toString() {
        return "StoredSpec[" + spec + ", estimatedSeconds=" + estimatedSeconds + ", gpus=" + gpuCount + "]";
    }
}
