// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.proof;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two proof hashes of the Hypernode v2.0 protocol, computed exactly as it defines them.
 *
 * <ul>
 *   <li>logsHash: SHA-256, lower-case hex, of the UTF-8 bytes of the logs as sent.</li>
 *   <li>executionHash: SHA-256 of the UTF-8 bytes of
 *       {@code json.dumps({"jobId", "logs", "result": {"exitCode", "status"}, "timestamp"}, sort_keys=True)}.</li>
 * </ul>
 *
 * Unlike the original agent, Hearth sends every input (the timestamp included) with the result, so anyone can
 * recompute both. Stateless and thread-safe.
 */
public final class ProofHashes {

    private ProofHashes() {
    }

    /** SHA-256 hex of the logs' UTF-8 bytes. */
    public static String logsHash(String logs) {
        return sha256Hex(logs.getBytes(StandardCharsets.UTF_8));
    }

    /** The exact text whose SHA-256 is the executionHash. */
    public static String executionDocument(String jobId, String logs, long exitCode, String status, String timestamp) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", exitCode);
        result.put("status", status);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("jobId", jobId);
        doc.put("logs", logs);
        doc.put("result", result);
        doc.put("timestamp", timestamp);
        return PythonJson.dumps(doc);
    }

    /** SHA-256 hex of {@link #executionDocument}. */
    public static String executionHash(String jobId, String logs, long exitCode, String status, String timestamp) {
        return sha256Hex(executionDocument(jobId, logs, exitCode, status, timestamp).getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of {@code bytes}, lower-case hex. */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
