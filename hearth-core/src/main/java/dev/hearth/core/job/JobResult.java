// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.hearth.core.proof.ProofHashes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The outcome of one job, with its proof hashes and every input needed to recompute them.
 *
 * @param jobId the job's id (an executionHash input)
 * @param status how it ended (an executionHash input, as {@link JobStatus#wireName()})
 * @param exitCode the command's exit code; -1 when it never ran
 * @param image the image reference the job ran in
 * @param startedAt when the sandbox started
 * @param finishedAt when the result was taken
 * @param durationMillis wall time from start to end of the command
 * @param logs stdout and stderr interleaved, decoded as UTF-8 with replacement, capped, with a truncation marker
 *     when cut (the logsHash and executionHash input)
 * @param logBytes bytes the job wrote to stdout and stderr in all, including any cut off
 * @param logsTruncated whether {@code logs} was cut at the size cap
 * @param timestamp the executionHash's timestamp input, ISO-8601 UTC with microseconds
 * @param logsHash SHA-256 of {@code logs}
 * @param executionHash SHA-256 of the Python-style JSON of jobId, logs, exitCode, status and timestamp
 * @param message a human explanation when the status needs one (timeout limit, OOM, error cause), else null
 */
@JsonPropertyOrder({"jobId", "status", "exitCode", "message", "image", "startedAt", "finishedAt", "durationMillis",
        "logBytes", "logsTruncated", "logs", "timestamp", "logsHash", "executionHash"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobResult(
        String jobId,
        JobStatus status,
        long exitCode,
        String image,
        Instant startedAt,
        Instant finishedAt,
        long durationMillis,
        String logs,
        long logBytes,
        boolean logsTruncated,
        String timestamp,
        String logsHash,
        String executionHash,
        String message) {

    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    public JobResult {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /**
     * Builds a result and computes its hashes.
     *
     * @param finishedAt also the executionHash timestamp, written with microseconds
     */
    public static JobResult of(String jobId, JobStatus status, long exitCode, String image, Instant startedAt,
            Instant finishedAt, String logs, long logBytes, boolean logsTruncated, String message) {
        String timestamp = MICROS.format(finishedAt);
        long millis = startedAt == null ? 0 : Duration.between(startedAt, finishedAt).toMillis();
        return new JobResult(jobId, status, exitCode, image, startedAt, finishedAt, millis, logs, logBytes,
                logsTruncated, timestamp, ProofHashes.logsHash(logs),
                ProofHashes.executionHash(jobId, logs, exitCode, status.wireName(), timestamp), message);
    }

    /** Whether both hashes recompute from the fields this result carries. */
    public boolean hashesHold() {
        return ProofHashes.logsHash(logs).equals(logsHash)
                && ProofHashes.executionHash(jobId, logs, exitCode, status.wireName(), timestamp).equals(executionHash);
    }

    /** The exit status {@code hearth run} ends with: the job's own, or a conventional code for the others. */
    public int processExitCode() {
        return switch (status) {
            case COMPLETED, FAILED -> (int) Math.max(0, Math.min(255, exitCode));
            case TIMEOUT -> 124;
            case OOM -> 137;
            case ERROR -> 125;
        };
    }
}
