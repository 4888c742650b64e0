// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.IssuedToken;
import dev.hearth.coordinator.store.TokenCheck;
import dev.hearth.coordinator.store.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Node tokens: made from 32 random bytes, stored as their SHA-256 only, bound to a node key at first use. */
final class TokenTable {

    /** Every node token starts with this, so a leaked one is easy to recognise (and to scan for). */
    static final String PREFIX = "hnt_";

    private static final int RANDOM_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS =
            "id, label, token_hash, created_at, expires_at, bound_node_key, bound_node_id";

    private TokenTable() {
    }

    static IssuedToken create(Connection c, String label, Duration ttl, Instant now) throws SQLException {
        byte[] secret = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(secret);
        String plaintext = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        TokenRecord token = new TokenRecord(UUID.randomUUID().toString(), label, hash(plaintext), now,
                ttl == null ? null : now.plus(ttl), null, null);
        update(c, "INSERT INTO node_tokens (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                token.id(), token.label(), token.tokenHash(), token.createdAt(), token.expiresAt());
        return new IssuedToken(plaintext, token);
    }

    static TokenCheck authenticate(Connection c, String plaintext, String nodeKey, Instant now) throws SQLException {
        String presented = hash(plaintext);
        Optional<TokenRecord> found = queryOne(c,
                "SELECT " + COLUMNS + " FROM node_tokens WHERE token_hash = ? AND revoked_at IS NULL", TokenTable::token, presented);
        // The lookup is by the hash of what was presented, so its timing says nothing about a stored token's
        // bytes; the explicit constant-time compare guards against a dialect or collation that matches loosely.
        // A revoked token (hearth token revoke, hearth node remove) is as good as unknown: its node never comes back.
        if (found.isEmpty() || !MessageDigest.isEqual(bytes(found.get().tokenHash()), bytes(presented))) {
            return new TokenCheck.Unknown();
        }
        TokenRecord token = found.get();
        if (token.isBound()) {
            return token.boundNodeKey().equals(nodeKey)
                    ? new TokenCheck.Accepted(token.boundNodeId(), false)
                    : new TokenCheck.BoundToOtherKey();
        }
        if (token.expiresAt() != null && !now.isBefore(token.expiresAt())) {
            return new TokenCheck.Expired();
        }
        String nodeId = UUID.randomUUID().toString();
        int bound = update(c, "UPDATE node_tokens SET bound_node_key = ?, bound_node_id = ? "
                + "WHERE id = ? AND bound_node_key IS NULL", nodeKey, nodeId, token.id());
        if (bound == 0) {
            // Another coordinator bound it between our read and write (a dialect without one writer): decide again.
            return authenticate(c, plaintext, nodeKey, now);
        }
        return new TokenCheck.Accepted(nodeId, true);
    }

    static List<TokenRecord> all(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM node_tokens ORDER BY created_at, id", TokenTable::token);
    }

    /** The SHA-256 of a token, lowercase hex: the only form a token is ever stored in. */
    static String hash(String plaintext) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(plaintext.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256, which every Java platform must provide", e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static TokenRecord token(ResultSet rs) throws SQLException {
        return new TokenRecord(rs.getString("id"), rs.getString("label"), rs.getString("token_hash"),
                Rows.instant(rs, "created_at"), Rows.nullableInstant(rs, "expires_at"),
                rs.getString("bound_node_key"), rs.getString("bound_node_id"));
    }
}
