// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.IOException;
import java.time.Duration;

/**
 * When a create call (a job submit, a blob upload) is tried again: after a transport error (no answer, a broken
 * connection, a deadline passed), a 5xx, or a 409 with {@code Retry-After} (an {@code Idempotency-Key} still in
 * use by the first try), at most {@code attempts} tries in all, waiting {@code Retry-After} when the coordinator
 * names it, else {@code firstDelay} doubled per try up to {@code maxDelay}. A submit carries the same
 * {@code Idempotency-Key} on every try, so a retry whose first try did reach the coordinator answers the first job.
 * Immutable.
 *
 * @param attempts tries in all, 1 or more (1: never retried)
 * @param firstDelay the wait before the second try
 * @param maxDelay the longest wait between tries (also caps a {@code Retry-After})
 */
public record RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay) {

    /** Five tries, from 250 ms, at most 5 s apart. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(5));
    /** One try: every error reaches the caller. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be 1 or more; got " + attempts);
        }
        if (firstDelay == null || firstDelay.isNegative() || maxDelay == null || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("firstDelay must be 0 or more and maxDelay at least firstDelay; got "
                    + firstDelay + " and " + maxDelay);
        }
    }

    /** Whether {@code e} may be retried: not a refusal, a 5xx, or a 409 that names a {@code Retry-After}. */
    boolean retryable(IOException e) {
        if (e instanceof HearthApiException refused) {
            return refused.status() >= 500 || (refused.status() == 409 && refused.retryAfter().isPresent());
        }
        return !(e instanceof VerificationException);
    }

    /** The wait after failed try {@code attempt} (1-based). */
    Duration delay(int attempt, IOException e) {
        if (e instanceof HearthApiException refused && refused.retryAfter().isPresent()) {
            Duration asked = refused.retryAfter().get();
            return asked.compareTo(maxDelay) > 0 ? maxDelay : asked;
        }
        long millis = firstDelay.toMillis() << Math.min(20, attempt - 1);
        return Duration.ofMillis(Math.min(millis, maxDelay.toMillis()));
    }

    /** A call that may be tried again. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException, InterruptedException;
    }

    /** Runs {@code call} under this policy; the last error, with the earlier ones suppressed, when all tries fail. */
    <T> T run(Call<T> call) throws IOException, InterruptedException {
        IOException first = null;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (IOException e) {
                if (first != null) {
                    e.addSuppressed(first);
                }
                if (attempt >= attempts || !retryable(e)) {
                    throw e;
                }
                first = e;
                Thread.sleep(delay(attempt, e).toMillis());
            }
        }
    }
}
