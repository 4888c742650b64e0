// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/** What {@link IdempotencyKeys#claim} found: the key is now the caller's, or an earlier request used it. */
public sealed interface IdempotencyClaim {

    /** The key was free: run the request, then complete or release it. */
    record Claimed() implements IdempotencyClaim {
    }

    /** An earlier request with the same key and body succeeded: answer it again. */
    record Replay(Answer answer) implements IdempotencyClaim {
        /** Checks the answer is there. */
        public Replay {
            Objects.requireNonNull(answer, "answer");
        }
    }

    /** The key was used for another request: another body, or another operation. */
    record Mismatch(String operation) implements IdempotencyClaim {
    }

    /** A request with the same key and body is still running (since {@code since}). */
    record InProgress(Instant since) implements IdempotencyClaim {
    }

    /**
     * An answer as it was sent.
     *
     * @param status the HTTP status
     * @param body the JSON body, as sent
     * @param location the Location header, or null
     */
    record Answer(int status, String body, String location) {
        /** Checks the body is there. */
        public Answer {
            Objects.requireNonNull(body, "body");
        }
    }
}
