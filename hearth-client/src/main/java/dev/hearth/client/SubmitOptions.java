// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How a job is submitted: its {@code Idempotency-Key} (one per logical submit: every try of this submit sends it,
 * so however often the call is retried, one job is made and paid for) and the {@link RetryPolicy}. Immutable.
 *
 * @param idempotencyKey 1 to 255 letters, digits and {@code - _ . :}
 * @param retries when a failed try is tried again
 */
public record SubmitOptions(String idempotencyKey, RetryPolicy retries) {

    /** What a key may be, as the coordinator accepts it. */
    public static final Pattern KEY_FORM = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");

    public SubmitOptions {
        if (idempotencyKey == null || !KEY_FORM.matcher(idempotencyKey).matches()) {
            throw new IllegalArgumentException("idempotencyKey must be 1 to 255 letters, digits and - _ . : (a UUID "
                    + "fits); got " + (idempotencyKey == null ? "none" : idempotencyKey.length() + " characters"));
        }
        if (retries == null) {
            throw new IllegalArgumentException("retries must be given (RetryPolicy.DEFAULT, or RetryPolicy.NONE)");
        }
    }

    /** A fresh random key (a UUID) and {@link RetryPolicy#DEFAULT}: what a new logical submit wants. */
    public static SubmitOptions defaults() {
        return new SubmitOptions(UUID.randomUUID().toString(), RetryPolicy.DEFAULT);
    }

    /** These options with the caller's own key (one it stored, to make a submit idempotent across restarts). */
    public SubmitOptions withIdempotencyKey(String key) {
        return new SubmitOptions(key, retries);
    }

    /** These options with another retry policy. */
    public SubmitOptions withRetries(RetryPolicy policy) {
        return new SubmitOptions(idempotencyKey, policy);
    }
}
