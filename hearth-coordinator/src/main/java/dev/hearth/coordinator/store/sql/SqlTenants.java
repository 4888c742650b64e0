// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.coordinator.store.AuditEvent;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.InstanceClaim;
import dev.hearth.coordinator.store.InstanceKey;
import dev.hearth.coordinator.store.IssuedKey;
import dev.hearth.coordinator.store.KeyRecord;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@link Tenants} over SQL. A key is {@code hck_<id>_<secret>}: 8 random bytes of id in hex (the indexed lookup) and
 * 32 random bytes of secret in base64url; only the SHA-256 of the whole key is stored. Thread-safe as its
 * transactions are.
 */
final class SqlTenants implements Tenants {

    /** Every API key starts with this, so a leaked one is easy to recognise. */
    static final String PREFIX = "hck_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String KEY_COLUMNS = "id, key_hash, role, owner, label, created_at, expires_at, revoked_at, scopes";

    private final Transactions tx;
    private final InstantSource clock;

    SqlTenants(Transactions tx, InstantSource clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public ClientRecord createClient(String name, Quota quota) {
        Objects.requireNonNull(quota, "quota");
        if (!ClientRecord.validName(name)) {
            throw new IllegalArgumentException("client name '" + name + "' is invalid: " + ClientRecord.NAME_FORM);
        }
        ClientRecord client = new ClientRecord(name, now(), null, quota);
        return tx.write("create client " + name, c -> {
            if (queryOne(c, "SELECT name FROM clients WHERE name = ?", rs -> rs.getString(1), name).isPresent()) {
                throw new IllegalArgumentException("client '" + name + "' already exists: pick another name, or "
                        + "make it another key with hearth key create --client " + name);
            }
            update(c, "INSERT INTO clients (name, created_at, disabled_at, quota_json) VALUES (?, ?, NULL, ?)",
                    name, client.createdAt(), json(quota));
            return client;
        });
    }

    @Override
    public Optional<ClientRecord> client(String name) {
        return tx.read("read client " + name, c -> queryOne(c, "SELECT * FROM clients WHERE name = ?",
                SqlTenants::client, name));
    }

    @Override
    public List<ClientRecord> clients() {
        return tx.read("list clients", c -> query(c, "SELECT * FROM clients ORDER BY name", SqlTenants::client));
    }

    @Override
    public boolean disableClient(String name) {
        Instant now = now();
        return tx.write("disable client " + name, c -> update(c,
                "UPDATE clients SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", now, name) == 1);
    }

    @Override
    public IssuedKey createKey(Role role, String owner, String label, Duration ttl, Set<Scope> scopes) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(label, "label");
        if (!ClientRecord.validName(owner)) {
            throw new IllegalArgumentException("key owner '" + owner + "' is invalid: " + ClientRecord.NAME_FORM);
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("key ttl must be positive or absent (no expiry), got " + ttl);
        }
        byte[] id = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String keyId = HexFormat.of().formatHex(id);
        String plaintext = PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = now();
        KeyRecord key = new KeyRecord(keyId, role, owner, label, TokenTable.hash(plaintext), now,
                ttl == null ? null : now.plus(ttl), null, scopes);
        return tx.write("create " + role.wireName() + " key for " + owner, c -> {
            if (role == Role.CLIENT && queryOne(c, "SELECT name FROM clients WHERE name = ?", rs -> rs.getString(1),
                    owner).isEmpty()) {
                throw new IllegalArgumentException("client '" + owner + "' does not exist: make it first with "
                        + "hearth client create " + owner);
            }
            update(c, "INSERT INTO api_keys (" + KEY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)", key.id(),
                    key.keyHash(), key.role(), key.owner(), key.label(), key.createdAt(), key.expiresAt(),
                    Scope.format(key.scopes()));
            return new IssuedKey(plaintext, key);
        });
    }

    @Override
    public Optional<KeyRecord> authenticate(String plaintext) {
        if (plaintext == null || !plaintext.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int end = plaintext.indexOf('_', PREFIX.length());
        if (end < 0) {
            return Optional.empty();
        }
        String id = plaintext.substring(PREFIX.length(), end);
        String presented = TokenTable.hash(plaintext);
        Instant now = now();
        // Never the key itself in the operation's name: it ends up in exception messages.
        Optional<KeyRecord> found = tx.read("authenticate key " + id, c -> queryOne(c, "SELECT " + KEY_COLUMNS
                + " FROM api_keys WHERE id = ?", SqlTenants::key, id));
        if (found.isEmpty() || !MessageDigest.isEqual(ascii(found.get().keyHash()), ascii(presented))
                || !found.get().liveAt(now)) {
            return Optional.empty();
        }
        KeyRecord key = found.get();
        if (key.role() == Role.CLIENT && !client(key.owner()).map(ClientRecord::enabled).orElse(false)) {
            return Optional.empty();
        }
        return found;
    }

    @Override
    public List<KeyRecord> keys() {
        return tx.read("list keys", c -> query(c, "SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY created_at, id",
                SqlTenants::key));
    }

    @Override
    public boolean revokeKey(String id) {
        Instant now = now();
        return tx.write("revoke key " + id, c -> update(c,
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id) == 1);
    }

    @Override
    public AuditEvent audit(String actor, String action, String outcome, String detail) {
        AuditEvent event = new AuditEvent(UUID.randomUUID().toString(), now(), actor, action, outcome, detail);
        return tx.write("audit " + action, c -> {
            update(c, "INSERT INTO audit_events (id, at, actor, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    event.id(), event.at(), event.actor(), event.action(), event.outcome(), event.detail());
            return event;
        });
    }

    @Override
    public List<AuditEvent> auditTrail(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
        }
        List<AuditEvent> latest = tx.read("list audit events", c -> query(c,
                "SELECT * FROM audit_events ORDER BY at DESC, rowid DESC LIMIT ?", SqlTenants::auditEvent, limit));
        return latest.reversed();
    }

    @Override
    public List<AuditEvent> auditTrailBefore(Instant beforeAt, String beforeId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
        }
        // the same order as auditTrail: by time, then rowid (as written) for events of one millisecond
        List<AuditEvent> latest = tx.read("list audit events before " + beforeId, c -> query(c,
                "SELECT * FROM audit_events WHERE at < ? OR (at = ? AND rowid < (SELECT rowid FROM audit_events "
                        + "WHERE id = ?)) ORDER BY at DESC, rowid DESC LIMIT ?", SqlTenants::auditEvent, beforeAt,
                beforeAt, beforeId, limit));
        return latest.reversed();
    }

    private static AuditEvent auditEvent(ResultSet rs) throws SQLException {
        return new AuditEvent(rs.getString("id"), Rows.instant(rs, "at"), rs.getString("actor"),
                rs.getString("action"), rs.getString("outcome"), rs.getString("detail"));
    }

    @Override
    public void assignOperator(String tokenId, String operator) {
        if (!ClientRecord.validName(operator)) {
            throw new IllegalArgumentException("operator '" + operator + "' is invalid: " + ClientRecord.NAME_FORM);
        }
        tx.write("assign token " + tokenId + " to operator " + operator, c -> {
            if (update(c, "UPDATE node_tokens SET operator = ? WHERE id = ?", operator, tokenId) != 1) {
                throw new IllegalArgumentException("node token " + tokenId + " does not exist");
            }
            return null;
        });
    }

    @Override
    public Set<String> nodesOf(String operator) {
        return Set.copyOf(tx.read("list nodes of operator " + operator, c -> query(c, "SELECT bound_node_id FROM "
                + "node_tokens WHERE operator = ? AND bound_node_id IS NOT NULL", rs -> rs.getString(1), operator)));
    }

    @Override
    public Map<String, String> tokenOperators() {
        Map<String, String> out = new HashMap<>();
        tx.read("list token operators", c -> query(c, "SELECT id, operator FROM node_tokens WHERE operator IS NOT NULL",
                rs -> out.put(rs.getString(1), rs.getString(2))));
        return out;
    }

    @Override
    public boolean revokeToken(String tokenId) {
        Instant now = now();
        return tx.write("revoke token " + tokenId, c -> update(c,
                "UPDATE node_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, tokenId) == 1);
    }

    @Override
    public Set<String> revokedTokens() {
        return Set.copyOf(tx.read("list revoked tokens", c -> query(c,
                "SELECT id FROM node_tokens WHERE revoked_at IS NOT NULL", rs -> rs.getString(1))));
    }

    @Override
    public InstanceClaim claimInstance(String nodeId, String instanceId, String owner, int limit) {
        Instant now = now();
        return tx.write("claim instance " + instanceId + " on " + nodeId, c -> {
            Optional<String> current = queryOne(c, "SELECT owner FROM instance_owners WHERE node_id = ? AND "
                    + "instance_id = ?", rs -> rs.getString(1), nodeId, instanceId);
            if (current.isPresent()) {
                return current.get().equals(owner) ? InstanceClaim.ALREADY_YOURS : InstanceClaim.NOT_YOURS;
            }
            long owned = queryOne(c, "SELECT COUNT(*) FROM instance_owners WHERE owner = ?", rs -> rs.getLong(1),
                    owner).orElse(0L);
            if (limit > 0 && owned >= limit) {
                return InstanceClaim.OVER_QUOTA;
            }
            update(c, "INSERT INTO instance_owners (node_id, instance_id, owner, created_at) VALUES (?, ?, ?, ?)",
                    nodeId, instanceId, owner, now);
            return InstanceClaim.CLAIMED;
        });
    }

    @Override
    public Optional<String> instanceOwner(String nodeId, String instanceId) {
        return tx.read("read instance owner", c -> queryOne(c, "SELECT owner FROM instance_owners WHERE node_id = ? "
                + "AND instance_id = ?", rs -> rs.getString(1), nodeId, instanceId));
    }

    @Override
    public Map<InstanceKey, String> instanceOwners() {
        Map<InstanceKey, String> out = new HashMap<>();
        tx.read("list instance owners", c -> query(c, "SELECT node_id, instance_id, owner FROM instance_owners",
                rs -> out.put(new InstanceKey(rs.getString(1), rs.getString(2)), rs.getString(3))));
        return Map.copyOf(out);
    }

    @Override
    public boolean releaseInstance(String nodeId, String instanceId) {
        return tx.write("release instance " + instanceId + " on " + nodeId, c -> update(c,
                "DELETE FROM instance_owners WHERE node_id = ? AND instance_id = ?", nodeId, instanceId) == 1);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static String json(Quota quota) {
        try {
            return Json.mapper().writeValueAsString(quota);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a quota did not serialise", e);
        }
    }

    private static ClientRecord client(ResultSet rs) throws SQLException {
        Quota quota;
        try {
            quota = Json.mapper().readValue(rs.getString("quota_json"), Quota.class);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored quota of client " + rs.getString("name") + " is unreadable", e);
        }
        return new ClientRecord(rs.getString("name"), Rows.instant(rs, "created_at"),
                Rows.nullableInstant(rs, "disabled_at"), quota);
    }

    private static KeyRecord key(ResultSet rs) throws SQLException {
        return new KeyRecord(rs.getString("id"), Role.valueOf(rs.getString("role")), rs.getString("owner"),
                rs.getString("label"), rs.getString("key_hash"), Rows.instant(rs, "created_at"),
                Rows.nullableInstant(rs, "expires_at"), Rows.nullableInstant(rs, "revoked_at"),
                Scope.parseAll(rs.getString("scopes")));
    }
}
