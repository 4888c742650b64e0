// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Clients, API keys and the audit trail: keys hashed at rest, refused once revoked, expired or disabled. */
interface TenantContract extends StoreFixture {

    @Test
    @DisplayName("a key is hck_<id>_<secret>, only its SHA-256 is kept, and it authenticates as its role and owner")
    default void keyShapeAndHash() throws Exception {
        store().tenants().createClient("alice", new Quota(2, 3, 0, 0, 0, 1, 60));
        IssuedKey issued = store().tenants().createKey(Role.CLIENT, "alice", "laptop", null);

        assertThat(issued.plaintext()).matches("hck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
        assertThat(issued.plaintext()).startsWith("hck_" + issued.record().id() + "_");
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(issued.plaintext().getBytes(StandardCharsets.UTF_8)));
        assertThat(store().tenants().keys()).singleElement().satisfies(k -> {
            assertThat(k).isEqualTo(issued.record());
            assertThat(k.keyHash()).isEqualTo(sha256);
            assertThat(k.toString()).doesNotContain(issued.plaintext());
        });
        assertThat(issued.toString()).doesNotContain(issued.plaintext());
        assertThat(store().tenants().authenticate(issued.plaintext())).get()
                .satisfies(k -> assertThat(k.role()).isEqualTo(Role.CLIENT))
                .satisfies(k -> assertThat(k.owner()).isEqualTo("alice"));
        assertThat(reopen().tenants().client("alice")).get()
                .satisfies(c -> assertThat(c.quota()).isEqualTo(new Quota(2, 3, 0, 0, 0, 1, 60)));
    }

    @Test
    @DisplayName("a key's scopes are kept with it, read back by keys() and authenticate() and after a reopen; a key "
            + "without scopes has none (its role's full rights)")
    default void scopesKept() {
        store().tenants().createClient("alice", Quota.NONE);
        IssuedKey scoped = store().tenants().createKey(Role.CLIENT, "alice", "ci", null,
                java.util.Set.of(Scope.JOBS_WRITE, Scope.JOBS_READ));
        IssuedKey full = store().tenants().createKey(Role.CLIENT, "alice", "laptop", null);

        assertThat(scoped.record().scopes()).containsExactly(Scope.JOBS_READ, Scope.JOBS_WRITE);
        assertThat(store().tenants().authenticate(scoped.plaintext())).get()
                .satisfies(k -> assertThat(k.scopes()).containsExactly(Scope.JOBS_READ, Scope.JOBS_WRITE));
        assertThat(store().tenants().authenticate(full.plaintext())).get()
                .satisfies(k -> assertThat(k.scopes()).isEmpty());
        assertThat(reopen().tenants().keys()).extracting(KeyRecord::id, KeyRecord::scopes).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(scoped.record().id(), java.util.Set.of(Scope.JOBS_READ,
                        Scope.JOBS_WRITE)),
                org.assertj.core.groups.Tuple.tuple(full.record().id(), java.util.Set.of()));
        assertThatThrownBy(() -> Scope.parse("jobs:delete")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jobs:read, jobs:write");
    }

    @Test
    @DisplayName("a wrong secret with a known id, an unknown id and text without the prefix are all refused")
    default void wrongKeysRefused() {
        store().tenants().createClient("alice", Quota.NONE);
        IssuedKey issued = store().tenants().createKey(Role.CLIENT, "alice", "", null);
        String p = issued.plaintext();
        String flipped = p.substring(0, p.length() - 1) + (p.endsWith("A") ? "B" : "A");

        assertThat(store().tenants().authenticate(flipped)).isEmpty();
        assertThat(store().tenants().authenticate("hck_0000000000000000_" + p.substring(21))).isEmpty();
        assertThat(store().tenants().authenticate(p.substring(4))).isEmpty();
        assertThat(store().tenants().authenticate("hck_nounderscore")).isEmpty();
    }

    @Test
    @DisplayName("a revoked key, an expired key and a disabled client's key are refused from the next call")
    default void revokedExpiredDisabled() {
        store().tenants().createClient("alice", Quota.NONE);
        store().tenants().createClient("bob", Quota.NONE);
        IssuedKey revoked = store().tenants().createKey(Role.CLIENT, "alice", "", null);
        IssuedKey expiring = store().tenants().createKey(Role.OPERATOR, "rack4", "", Duration.ofMinutes(5));
        IssuedKey bobs = store().tenants().createKey(Role.CLIENT, "bob", "", null);

        assertThat(store().tenants().revokeKey(revoked.record().id())).isTrue();
        assertThat(store().tenants().revokeKey(revoked.record().id())).isFalse();
        assertThat(store().tenants().authenticate(revoked.plaintext())).isEmpty();

        assertThat(store().tenants().authenticate(expiring.plaintext())).isPresent();
        clock().advance(Duration.ofMinutes(5));
        assertThat(store().tenants().authenticate(expiring.plaintext())).isEmpty();

        assertThat(store().tenants().authenticate(bobs.plaintext())).isPresent();
        assertThat(store().tenants().disableClient("bob")).isTrue();
        assertThat(store().tenants().authenticate(bobs.plaintext())).isEmpty();
        assertThat(store().tenants().client("bob")).get().satisfies(c -> assertThat(c.enabled()).isFalse());
    }

    @Test
    @DisplayName("a client key needs an existing client, names must have the documented form, names are unique")
    default void badInputRefused() {
        assertThatThrownBy(() -> store().tenants().createKey(Role.CLIENT, "ghost", "", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hearth client create ghost");
        assertThatThrownBy(() -> store().tenants().createClient("Bad Name", Quota.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a-z");
        store().tenants().createClient("alice", Quota.NONE);
        assertThatThrownBy(() -> store().tenants().createClient("alice", Quota.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
        assertThat(store().tenants().keys()).isEmpty();
    }

    @Test
    @DisplayName("the audit trail keeps who, what, when and the outcome, and lists the latest oldest first")
    default void auditTrail() {
        store().tenants().audit("client:alice", "POST /v1/ledger/deposits", "refused:403", "needs admin");
        clock().advance(Duration.ofSeconds(1));
        store().tenants().audit("admin:admin", "POST /v1/tokens", "allowed", "");

        assertThat(reopen().tenants().auditTrail(10)).extracting(AuditEvent::actor)
                .containsExactly("client:alice", "admin:admin");
        assertThat(store().tenants().auditTrail(1)).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo("allowed"));
    }

    @Test
    @DisplayName("an instance is claimed by its creator once per node and id, within a limit, kept across reopen, "
            + "and released")
    default void instanceOwners() {
        Tenants t = store().tenants();
        assertThat(t.claimInstance("n1", "bot", "client:alice", 2)).isEqualTo(InstanceClaim.CLAIMED);
        assertThat(t.claimInstance("n1", "bot", "client:alice", 2)).isEqualTo(InstanceClaim.ALREADY_YOURS);
        assertThat(t.claimInstance("n1", "bot", "client:bob", 0)).isEqualTo(InstanceClaim.NOT_YOURS);
        assertThat(t.claimInstance("n2", "bot", "client:bob", 0)).isEqualTo(InstanceClaim.CLAIMED);
        assertThat(t.claimInstance("n1", "two", "client:alice", 2)).isEqualTo(InstanceClaim.CLAIMED);
        assertThat(t.claimInstance("n1", "three", "client:alice", 2)).isEqualTo(InstanceClaim.OVER_QUOTA);
        assertThat(t.instanceOwner("n1", "three")).isEmpty();

        Tenants reopened = reopen().tenants();
        assertThat(reopened.instanceOwner("n1", "bot")).contains("client:alice");
        assertThat(reopened.instanceOwners()).containsEntry(new InstanceKey("n2", "bot"), "client:bob").hasSize(3);
        assertThat(reopened.releaseInstance("n1", "bot")).isTrue();
        assertThat(reopened.releaseInstance("n1", "bot")).isFalse();
        assertThat(reopened.claimInstance("n1", "three", "client:alice", 2)).isEqualTo(InstanceClaim.CLAIMED);
    }
}
