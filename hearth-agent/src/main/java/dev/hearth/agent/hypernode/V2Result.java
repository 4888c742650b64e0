// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobStatus;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.protocol.JobResultMessage;

/**
 * A Hearth job result in Hypernode v2.0's {@code job_result} shape. A job that ran gets v2.0's success form with
 * both hashes and, beyond v2.0, the {@code timestamp} its executionHash was computed with (so anyone can recompute
 * it, which the original's result never allows); a job that never ran gets v2.0's error form: status
 * {@code error}, the reason as its logs, exit code -1, no hashes and no completedAt. v2.0 knows no {@code oom}: a
 * job killed for memory is reported {@code failed}, its hash computed over that status. Stateless.
 */
final class V2Result {

    /** The longest error text sent back: a refusal may quote a stranger's field, which must not flood anyone. */
    static final int MAX_ERROR_CHARS = 2000;

    private V2Result() {
    }

    /** The result of a job that ran (or failed to start) on node {@code nodeId}. */
    static JobResultMessage of(JobResult r, String nodeId) {
        if (r.status() == JobStatus.ERROR) {
            return error(r.jobId(), nodeId, r.message() != null ? r.message() : r.logs());
        }
        String status = r.status() == JobStatus.OOM ? JobStatus.FAILED.wireName() : r.status().wireName();
        String executionHash = r.status() == JobStatus.OOM
                ? ProofHashes.executionHash(r.jobId(), r.logs(), r.exitCode(), status, r.timestamp())
                : r.executionHash();
        return new JobResultMessage(r.jobId(), nodeId, status, r.status().success(), r.logs(), r.exitCode(),
                executionHash, r.logsHash(), r.finishedAt().toEpochMilli(), null, r.timestamp(),
                r.startedAt() == null ? null : r.startedAt().toEpochMilli(), r.durationMillis(), r.logBytes(),
                r.logsTruncated(), r.message(), null, null);
    }

    /** v2.0's error form for job {@code jobId}: {@code why} (cut to {@link #MAX_ERROR_CHARS}) as its logs. */
    static JobResultMessage error(String jobId, String nodeId, String why) {
        String text = bounded(why == null ? "the job could not run" : why);
        return new JobResultMessage(jobId, nodeId, JobStatus.ERROR.wireName(), false, text, -1, null, null, null,
                null, null, null, null, null, null, text, null, null);
    }

    /** {@code text} cut to {@link #MAX_ERROR_CHARS} characters, never inside a surrogate pair. */
    static String bounded(String text) {
        if (text.length() <= MAX_ERROR_CHARS) {
            return text;
        }
        int end = MAX_ERROR_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "... (" + (text.length() - end) + " more characters)";
    }
}
