// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Duration;

/**
 * The {@code Idempotency-Key}s clients sent with create requests, each with the answer to replay. A key is claimed
 * before its request runs, then completed with the answer or released when the request failed. Keys belong to one
 * client each (the same key from two clients is two keys) and are forgotten after the retention. Thread-safe.
 */
public interface IdempotencyKeys {

    /**
     * Claims {@code key} for {@code client}'s request, or says what an earlier request with it did. Claims older than
     * {@code retention} are purged first (every client's), so an expired key may be used again; a claim still running
     * after {@code abandonAfter} (its coordinator stopped mid-request) is taken over.
     *
     * @param operation the request's method and path ({@code POST /v1/jobs})
     * @param fingerprint a digest of the operation and the body: another body with the same key is a mismatch
     */
    IdempotencyClaim claim(String client, String key, String operation, String fingerprint, Duration retention,
            Duration abandonAfter);

    /** Records the answer of the claimed request, to replay to retries. */
    void complete(String client, String key, IdempotencyClaim.Answer answer);

    /** Forgets a claim whose request failed, so a retry with the key runs anew. */
    void release(String client, String key);
}
