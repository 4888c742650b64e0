// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A node token as stored: never the token itself, only its SHA-256. A token binds to the first node key that
 * presents it; until then it may expire.
 *
 * @param id the token's id, for listing and revoking; not a secret
 * @param label what the admin wrote to recognise it
 * @param tokenHash the SHA-256 of the plaintext token, lowercase hex
 * @param createdAt when it was created
 * @param expiresAt when it expires if still unused; {@code null} for never
 * @param boundNodeKey the public key it is bound to; {@code null} while unused
 * @param boundNodeId the node id made at first use; {@code null} while unused
 */
public record TokenRecord(String id, String label, String tokenHash, Instant createdAt, Instant expiresAt,
        String boundNodeKey, String boundNodeId) {

    /** Checks the required fields. */
    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(tokenHash, "tokenHash");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** Whether a node has used it (and so it is bound and never expires). */
    public boolean isBound() {
        return boundNodeKey != null;
    }
}
