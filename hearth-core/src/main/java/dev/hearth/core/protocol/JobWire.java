// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.GpuRequest;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.receipt.OutputFile;
import dev.hearth.core.receipt.Receipt;
import dev.hearth.core.receipt.ReceiptLimits;
import dev.hearth.core.receipt.ResourceUsage;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts jobs and results between Hearth's records and their protocol form. Stateless. */
public final class JobWire {

    private JobWire() {
    }

    /** The protocol form of a job spec, with the GPU indexes the node was assigned. */
    public static JobOffer.WireJobSpec toWire(JobSpec spec, List<Integer> gpuIndexes) {
        Map<String, String> secrets = new LinkedHashMap<>();
        spec.secrets().forEach((k, v) -> secrets.put(k, v.reveal()));
        List<JobOffer.WireFile> files = new ArrayList<>();
        for (JobFile f : spec.files()) {
            files.add(f.blob() != null
                    ? new JobOffer.WireFile(f.path(), "", f.mode(), f.blob().digest(), f.blob().size())
                    : new JobOffer.WireFile(f.path(), Base64.getEncoder().encodeToString(f.content()), f.mode()));
        }
        return new JobOffer.WireJobSpec(spec.image(), spec.command(), spec.env(), secrets, files,
                spec.limits().memory().toString(), spec.limits().cpus().toString(), spec.limits().pids(),
                spec.network().json(), spec.timeout().toSeconds(), gpuIndexes);
    }

    /** A job offer for a Hearth or v2.0 node: v2.0's fields filled from the spec, Hearth's carrying all of it. */
    public static JobOffer offer(JobSpec spec, long epoch, List<Integer> gpuIndexes, long estimatedSeconds) {
        return new JobOffer(spec.id(), "", spec.gpus().any(), spec.limits().memory().toString(),
                spec.limits().cpus().cpus(), null, null, estimatedSeconds, epoch, toWire(spec, gpuIndexes));
    }

    /**
     * The job spec a node runs from an offer.
     *
     * @throws InvalidInputException when a field is malformed, naming it
     */
    public static JobSpec fromWire(String jobId, JobOffer.WireJobSpec wire) {
        JobSpec.Builder b = JobSpec.builder(jobId, wire.image(), wire.command())
                .limits(new Limits(ByteSize.parse("spec.memory", wire.memory()),
                        CpuQuota.parse("spec.cpus", wire.cpus()), wire.pids()))
                .network(NetworkPolicy.fromJson("spec.network", wire.network()))
                .timeout(Duration.ofSeconds(wire.timeoutSeconds()));
        wire.env().forEach(b::env);
        wire.secrets().forEach((k, v) -> b.secret(k, SecretValue.of(v)));
        for (JobOffer.WireFile f : wire.files()) {
            b.file(f.blob() != null
                    ? JobFile.ofBlob(f.path(), new dev.hearth.core.job.BlobRef(
                            dev.hearth.core.job.BlobRef.checkDigest("spec.files.blob", f.blob()),
                            f.size() == null ? dev.hearth.core.job.BlobRef.UNKNOWN_SIZE : f.size()), f.mode())
                    : new JobFile(f.path(), Base64.getDecoder().decode(f.content()), f.mode()));
        }
        if (!wire.gpuIndexes().isEmpty()) {
            b.gpus(new GpuRequest(wire.gpuIndexes().size(),
                    wire.gpuIndexes().stream().map(String::valueOf).toList(), 0));
        }
        return b.build();
    }

    /** The result message for a job run under {@code epoch} on {@code nodeId}, without a receipt. */
    public static JobResultMessage resultMessage(JobResult r, String nodeId, long epoch) {
        return new JobResultMessage(r.jobId(), nodeId, r.status().wireName(), r.status().success(), r.logs(),
                r.exitCode(), r.executionHash(), r.logsHash(), r.finishedAt().toEpochMilli(), epoch, r.timestamp(),
                r.startedAt() == null ? null : r.startedAt().toEpochMilli(), r.durationMillis(), r.logBytes(),
                r.logsTruncated(), r.message(), null, null);
    }

    /**
     * The receipt of a result: every fact of the result, with what ran as the offer's spec states it.
     *
     * @param ran the spec as the node ran it (the offer's, with the timeout the node applied)
     * @param keyFingerprint {@link dev.hearth.core.receipt.NodeKeys#fingerprint} of the signing key
     * @param imageDigest the image's content digest, or null when unknown
     * @param usage what the job used
     * @param outputs files left in {@code /job/out}
     */
    public static Receipt receipt(JobResult r, String nodeId, long epoch, JobOffer.WireJobSpec ran,
            String keyFingerprint, String imageDigest, ResourceUsage usage, List<OutputFile> outputs) {
        return new Receipt(Receipt.FORMAT, r.jobId(), epoch, nodeId, keyFingerprint, ran.image(), imageDigest,
                ran.command(), new ReceiptLimits(ran.memory(), ran.cpus(), ran.pids(),
                NetworkPolicy.fromJson("spec.network", ran.network()).toString(),
                ran.timeoutSeconds()), ran.gpuIndexes(), r.startedAt() == null ? null : r.startedAt().toEpochMilli(),
                r.finishedAt().toEpochMilli(), r.timestamp(), r.exitCode(), r.status().wireName(), usage,
                r.logBytes(), r.logsTruncated(), r.logsHash(), r.executionHash(), outputs);
    }

    /**
     * The result a Hearth agent reported, as a {@link JobResult} whose hashes are the ones it sent (check them
     * with {@link JobResult#hashesHold()}).
     *
     * @throws InvalidInputException when the status is unknown or a Hearth field is missing
     */
    public static JobResult toResult(JobResultMessage m, String image) {
        JobStatus status = null;
        for (JobStatus s : JobStatus.values()) {
            if (s.wireName().equals(m.status())) {
                status = s;
            }
        }
        if (status == null) {
            throw new InvalidInputException("job_result.status", m.status(), "completed, failed, timeout, oom or error");
        }
        if (m.timestamp() == null || m.logs() == null) {
            throw new InvalidInputException("job_result.timestamp", m.timestamp(),
                    "the executionHash timestamp and the logs, which Hearth results always carry");
        }
        Instant finished = m.completedAt() == null ? Instant.EPOCH : Instant.ofEpochMilli(m.completedAt());
        Instant started = m.startedAt() == null ? null : Instant.ofEpochMilli(m.startedAt());
        return new JobResult(m.id(), status, m.exitCode(), image, started, finished,
                m.durationMillis() == null ? 0 : m.durationMillis(), m.logs(),
                m.logBytes() == null ? m.logs().length() : m.logBytes(), Boolean.TRUE.equals(m.logsTruncated()),
                m.timestamp(), m.logsHash(), m.executionHash(), m.message());
    }
}
