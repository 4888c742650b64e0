// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import io.helidon.webserver.http.ServerRequest;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling: the role and owner of the key the request carried. The authorization filter puts it in the
 * request's context before any handler runs. Immutable.
 *
 * @param role what the key may do
 * @param name the client's name (role client), the operator's name, or the admin's name
 * @param keyId the key's id, or {@code bootstrap} for the admin token in the data folder
 * @param scopes what part of its role's rights the key keeps; empty for all of them
 */
public record Principal(Role role, String name, String keyId, Set<Scope> scopes) {

    /** The holder of the bootstrap admin token ({@code admin.token} in the data folder). */
    public static final Principal BOOTSTRAP = new Principal(Role.ADMIN, "admin", "bootstrap");

    /** Checks the fields are there and copies the scopes. */
    public Principal {
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyId, "keyId");
    }

    /** A caller with its role's full rights. */
    public Principal(Role role, String name, String keyId) {
        this(role, name, keyId, Set.of());
    }

    /** Whether the key may call an operation needing {@code needed} (empty: any key may). */
    public boolean allows(Optional<Scope> needed) {
        return scopes.isEmpty() || needed.isEmpty() || scopes.contains(needed.get());
    }

    /** The caller of a request that passed the filter. */
    public static Principal of(ServerRequest req) {
        return req.context().get(Principal.class).orElseThrow(() -> new IllegalStateException(
                "no principal in the request context: the route is not behind the authorization filter"));
    }

    /** {@code role:name}, as the audit trail names callers. */
    public String actor() {
        return role.wireName() + ":" + name;
    }

    /** Whether it is an admin. */
    public boolean admin() {
        return role == Role.ADMIN;
    }

    /** The ledger account a client pays from: {@code client:NAME}. */
    public String account() {
        return AccountKind.client(name);
    }

    /** Whether it may act on what {@code account} owns: an admin on anything, a client on its own account only. */
    public boolean owns(String accountId) {
        return admin() || (role == Role.CLIENT && account().equals(accountId));
    }
}
