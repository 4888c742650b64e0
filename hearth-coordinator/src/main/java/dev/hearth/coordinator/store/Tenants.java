// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Clients, API keys and the audit trail, in the store. Keys are stored as their SHA-256 only and looked up by the
 * id part of the key; the hash is then compared in constant time. Thread-safe.
 */
public interface Tenants {

    /**
     * Makes a client.
     *
     * @throws IllegalArgumentException when the name is not {@link ClientRecord#NAME_FORM} or is taken
     */
    ClientRecord createClient(String name, Quota quota);

    /** The client of that name. */
    Optional<ClientRecord> client(String name);

    /** Every client, by name. */
    List<ClientRecord> clients();

    /** Disables a client: its keys are refused from the next call. Whether it existed and was enabled. */
    boolean disableClient(String name);

    /**
     * Makes a key; {@code ttl} null for one that never expires.
     *
     * @throws IllegalArgumentException when a client key names no client, or the ttl is not positive
     */
    default IssuedKey createKey(Role role, String owner, String label, Duration ttl) {
        return createKey(role, owner, label, ttl, java.util.Set.of());
    }

    /**
     * Makes a key that keeps only {@code scopes} of its role's rights (empty: all of them); {@code ttl} null for one
     * that never expires.
     *
     * @throws IllegalArgumentException when a client key names no client, or the ttl is not positive
     */
    IssuedKey createKey(Role role, String owner, String label, Duration ttl, java.util.Set<Scope> scopes);

    /**
     * The live key a plaintext is: known, hash equal, not revoked, not expired and (for a client key) of an
     * enabled client. Empty for anything else.
     */
    Optional<KeyRecord> authenticate(String plaintext);

    /** Every key, oldest first. */
    List<KeyRecord> keys();

    /** Revokes a key: it is refused from the next call. Whether it existed and was live. */
    boolean revokeKey(String id);

    /** Records an audit event (its id and time are made here). */
    AuditEvent audit(String actor, String action, String outcome, String detail);

    /** The latest {@code limit} audit events, oldest first. */
    List<AuditEvent> auditTrail(int limit);

    /**
     * The latest {@code limit} audit events older than event {@code beforeId} at {@code beforeAt} (in the trail's
     * order: by time, then as written), oldest first: the page after one that began with that event.
     */
    List<AuditEvent> auditTrailBefore(Instant beforeAt, String beforeId, int limit);

    /** Marks node token {@code tokenId} as minted for {@code operator}: the node it makes is that operator's. */
    void assignOperator(String tokenId, String operator);

    /** The ids of the nodes made from tokens assigned to {@code operator}. */
    java.util.Set<String> nodesOf(String operator);

    /** The operator a node token was assigned to, per token id. */
    java.util.Map<String, String> tokenOperators();

    /**
     * Revokes node token {@code tokenId}: no node registers with it again (a bound node's identity is gone for
     * good). Whether it existed and was live.
     */
    boolean revokeToken(String tokenId);

    /** The ids of the revoked node tokens. */
    java.util.Set<String> revokedTokens();

    /**
     * Records {@code owner} as the creator of instance {@code instanceId} on node {@code nodeId}, in one
     * transaction with the check of who owns it now and how many {@code owner} already has.
     *
     * @param owner the caller, {@code role:name}
     * @param limit the most instances {@code owner} may own at once; 0 for no limit
     */
    InstanceClaim claimInstance(String nodeId, String instanceId, String owner, int limit);

    /** The caller ({@code role:name}) that created an instance through the coordinator, if one did. */
    java.util.Optional<String> instanceOwner(String nodeId, String instanceId);

    /** Every instance created through the coordinator and not destroyed, with its owner ({@code role:name}). */
    java.util.Map<InstanceKey, String> instanceOwners();

    /** Forgets who owns an instance (it was destroyed, or its create failed); whether a record was there. */
    boolean releaseInstance(String nodeId, String instanceId);
}
