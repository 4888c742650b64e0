// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * A Hearth agent streams a running job's output ({@code type: job_log}): the text from character {@code offset} of
 * the job's merged stdout and stderr, all of it (not only the result's first HN_MAX_LOG_SIZE characters; the
 * coordinator keeps it as the job's full log, capped by its {@code --job-log-max}). Chunks of one lease arrive in
 * order, each at most 64 Ki characters, all before the lease's result; the result still carries the capped logs that
 * the proofs hash.
 *
 * @param jobId the job
 * @param epoch its lease epoch
 * @param offset where {@code data} starts in the job's output, in characters
 * @param data the text
 */
public record JobLog(String jobId, long epoch, long offset, String data) implements AgentMessage {
}
