// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * An API key as stored: never the key itself, only its SHA-256.
 *
 * @param id the key's id, the part between {@code hck_} and the next {@code _}; not a secret
 * @param role what it may do
 * @param owner the client's name (role client), the operator's name (role operator), or the admin's name
 * @param label what the admin wrote to recognise it
 * @param keyHash the SHA-256 of the whole key, lowercase hex
 * @param createdAt when it was made
 * @param expiresAt when it stops working; {@code null} for never
 * @param revokedAt when it was revoked; {@code null} while live
 * @param scopes what part of its role's rights it keeps; empty for all of them
 */
public record KeyRecord(String id, Role role, String owner, String label, String keyHash, Instant createdAt,
        Instant expiresAt, Instant revokedAt, Set<Scope> scopes) {

    /** Checks the required fields and copies the scopes. */
    public KeyRecord {
        scopes = scopes == null || scopes.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(scopes));
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(keyHash, "keyHash");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A key without scopes: its role's full rights. */
    public KeyRecord(String id, Role role, String owner, String label, String keyHash, Instant createdAt,
            Instant expiresAt, Instant revokedAt) {
        this(id, role, owner, label, keyHash, createdAt, expiresAt, revokedAt, Set.of());
    }

    /** Whether it is neither revoked nor expired at {@code now}. */
    public boolean liveAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
}
