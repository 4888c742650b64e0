// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.hearth.core.proof.PythonJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node states, under its signature, about one run of a job: which job and lease, which node and key, what ran
 * (image and its content digest, command, limits, GPUs), when, how it ended, what it used, and the hashes of what
 * it produced (logs, execution, output files).
 *
 * <p>The signed bytes are {@link #signingInput()}: {@code "hearth-receipt\n"} followed by the
 * {@link #canonicalJson() canonical JSON}, which is what Python writes with
 * {@code json.dumps(receipt, sort_keys=True, separators=(",", ":"))}: keys sorted by code point, no whitespace,
 * every non-ASCII character escaped as {@code \\uXXXX}, integers only, every field present ({@code null} when
 * unknown). So the text is plain ASCII, and a receipt decoded from any JSON spelling encodes back to the same bytes.
 * docs/protocol.md describes the format.
 *
 * <p>Fields may be null here: a receipt is also the decoded claim of an untrusted node, which the verifier judges
 * field by field. Lists are never null (an absent list is empty).
 *
 * @param format {@link #FORMAT}
 * @param jobId the job
 * @param epoch the lease epoch the job ran under
 * @param nodeId the node that ran it
 * @param nodeKeyFingerprint {@link NodeKeys#fingerprint} of the key that signs this receipt
 * @param image the image reference the job named
 * @param imageDigest the image's content digest as the engine knows it ({@code sha256:...}), or null
 * @param command the command run
 * @param limits the limits it ran under
 * @param gpus GPU indexes assigned on the node
 * @param startedAt when the sandbox started, epoch milliseconds, or null when it never did
 * @param finishedAt when the result was taken, epoch milliseconds
 * @param timestamp the executionHash's timestamp input
 * @param exitCode the exit code, -1 when the job never ran
 * @param status {@code completed}, {@code failed}, {@code timeout}, {@code oom} or {@code error}
 * @param usage resources used
 * @param logBytes bytes the job wrote to stdout and stderr in all
 * @param logsTruncated whether the logs were cut at the size cap
 * @param logsHash SHA-256 of the logs
 * @param executionHash the Hypernode executionHash
 * @param outputs files left in {@code /job/out}, by path
 */
@JsonPropertyOrder(alphabetic = true)
public record Receipt(
        String format,
        String jobId,
        Long epoch,
        String nodeId,
        String nodeKeyFingerprint,
        String image,
        String imageDigest,
        List<String> command,
        ReceiptLimits limits,
        List<Integer> gpus,
        Long startedAt,
        Long finishedAt,
        String timestamp,
        Long exitCode,
        String status,
        ResourceUsage usage,
        Long logBytes,
        Boolean logsTruncated,
        String logsHash,
        String executionHash,
        List<OutputFile> outputs) {

    /** The format this code writes and reads. */
    public static final String FORMAT = "hearth-receipt/1";

    /** What the signed bytes start with, so a receipt signature can never pass for any other signed text. */
    public static final String SIGNING_PREFIX = "hearth-receipt\n";

    public Receipt {
        command = command == null ? List.of() : List.copyOf(command);
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    /** The canonical encoding: sorted keys, no whitespace, ASCII (see the type's documentation). */
    public String canonicalJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("jobId", jobId);
        m.put("epoch", epoch);
        m.put("nodeId", nodeId);
        m.put("nodeKeyFingerprint", nodeKeyFingerprint);
        m.put("image", image);
        m.put("imageDigest", imageDigest);
        m.put("command", command);
        m.put("limits", limits == null ? null : limits.canonical());
        m.put("gpus", gpus);
        m.put("startedAt", startedAt);
        m.put("finishedAt", finishedAt);
        m.put("timestamp", timestamp);
        m.put("exitCode", exitCode);
        m.put("status", status);
        m.put("usage", usage == null ? null : usage.canonical());
        m.put("logBytes", logBytes);
        m.put("logsTruncated", logsTruncated);
        m.put("logsHash", logsHash);
        m.put("executionHash", executionHash);
        List<Object> files = new ArrayList<>();
        outputs.forEach(f -> files.add(f.canonical()));
        m.put("outputs", files);
        return PythonJson.dumpsCompact(m);
    }

    /** The bytes a node signs: {@link #SIGNING_PREFIX} and the canonical JSON, UTF-8 (all ASCII). */
    public byte[] signingInput() {
        return (SIGNING_PREFIX + canonicalJson()).getBytes(StandardCharsets.UTF_8);
    }

    /** This receipt with another node id (a node learns its id only when it registers). */
    public Receipt withNodeId(String id) {
        return new Receipt(format, jobId, epoch, id, nodeKeyFingerprint, image, imageDigest, command, limits, gpus,
                startedAt, finishedAt, timestamp, exitCode, status, usage, logBytes, logsTruncated, logsHash,
                executionHash, outputs);
    }
}
