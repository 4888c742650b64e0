// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which roles may call each operation of the API under /v1, as docs/openapi.yaml states with {@code x-hearth-role},
 * and which {@link Scope} a scoped key needs for it ({@code x-hearth-scope}, derived in {@link Rule#scope()}).
 * A request no rule matches is refused to everyone but admins. Within a route, handlers narrow further to what the
 * caller owns (a client's own jobs, an operator's own nodes). Immutable.
 */
public final class AccessRules {

    /**
     * One operation: its method, its path (with {@code {name}} segments matching any one segment, and a last
     * {@code {path}} segment matching one or more) and its roles.
     */
    public record Rule(String method, String path, Set<Role> roles) {

        /**
         * The scope a scoped key needs for this operation, derived from its roles, path group and method: admin-only
         * operations need {@code admin:*}; otherwise the group ({@code jobs}, {@code instances} including
         * {@code /v1/nodes/{id}/instances...}, {@code nodes}, {@code ledger}) with {@code read} for GET and
         * {@code write} for the rest; the dashboard's {@code overview} and {@code events} need {@code jobs:read}; {@code blobs} (PUT and HEAD) need {@code jobs:write}. Empty for {@code /v1/coordinator/key}, public to every key.
         */
        public Optional<Scope> scope() {
            if (roles.equals(ADMIN)) {
                return Optional.of(Scope.ADMIN);
            }
            boolean read = method.equals("GET");
            String[] parts = path.split("/");
            String group = parts.length > 4 && parts[2].equals("nodes") && parts[4].equals("instances")
                    ? "instances" : parts[2];
            return switch (group) {
                case "jobs" -> Optional.of(read ? Scope.JOBS_READ : Scope.JOBS_WRITE);
                case "blobs" -> Optional.of(Scope.JOBS_WRITE); // inputs of jobs: uploading and probing alike
                case "instances" -> Optional.of(read ? Scope.INSTANCES_READ : Scope.INSTANCES_WRITE);
                case "nodes" -> read ? Optional.of(Scope.NODES_READ) : Optional.of(Scope.ADMIN);
                case "ledger" -> read ? Optional.of(Scope.LEDGER_READ) : Optional.of(Scope.ADMIN);
                case "coordinator" -> Optional.empty();
                case "overview", "events" -> Optional.of(Scope.JOBS_READ); // the dashboard's reads
                case "webhooks" -> Optional.of(read ? Scope.JOBS_READ : Scope.JOBS_WRITE); // job and instance events
                default -> Optional.of(Scope.ADMIN);
            };
        }
    }

    private static final Set<Role> ADMIN = EnumSet.of(Role.ADMIN);
    private static final Set<Role> CLIENT = EnumSet.of(Role.ADMIN, Role.CLIENT);
    private static final Set<Role> OPERATOR = EnumSet.of(Role.ADMIN, Role.OPERATOR);
    private static final Set<Role> ANY = EnumSet.allOf(Role.class);

    /** Every operation under /v1 and who may call it. */
    public static final List<Rule> RULES = List.of(
            new Rule("POST", "/v1/jobs", CLIENT),
            new Rule("POST", "/v1/jobs/batch", CLIENT),
            new Rule("GET", "/v1/jobs", CLIENT),
            new Rule("GET", "/v1/jobs/{id}", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/logs", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/receipt", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/spec", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/placements", CLIENT),
            new Rule("POST", "/v1/jobs/{id}/cancel", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/outputs", CLIENT),
            new Rule("GET", "/v1/jobs/{id}/outputs/{path}", CLIENT),
            new Rule("PUT", "/v1/blobs/{digest}", CLIENT),
            new Rule("HEAD", "/v1/blobs/{digest}", CLIENT),
            new Rule("GET", "/v1/nodes", OPERATOR),
            new Rule("GET", "/v1/nodes/{id}", OPERATOR),
            new Rule("POST", "/v1/nodes/{id}/stake", ADMIN),
            new Rule("DELETE", "/v1/nodes/{id}", ADMIN),
            new Rule("POST", "/v1/nodes/{id}/cordon", ADMIN),
            new Rule("POST", "/v1/nodes/{id}/drain", ADMIN),
            new Rule("POST", "/v1/nodes/{id}/uncordon", ADMIN),
            new Rule("PUT", "/v1/nodes/{id}/limits", ADMIN),
            new Rule("POST", "/v1/nodes/{id}/instances", CLIENT),
            new Rule("POST", "/v1/nodes/{id}/instances/{iid}/{action}", CLIENT),
            new Rule("DELETE", "/v1/nodes/{id}/instances/{iid}", CLIENT),
            new Rule("GET", "/v1/nodes/{id}/instances/{iid}/logs", CLIENT),
            new Rule("GET", "/v1/instances", CLIENT),
            new Rule("GET", "/v1/instances/requests/{requestId}", CLIENT),
            new Rule("POST", "/v1/tokens", ADMIN),
            new Rule("GET", "/v1/tokens", ADMIN),
            new Rule("POST", "/v1/tokens/{id}/revoke", ADMIN),
            new Rule("GET", "/v1/ledger/accounts", ADMIN),
            new Rule("GET", "/v1/ledger/accounts/{id}", ANY),
            new Rule("GET", "/v1/ledger/transfers", ANY),
            new Rule("GET", "/v1/ledger/export", ADMIN),
            new Rule("POST", "/v1/ledger/deposits", ADMIN),
            new Rule("GET", "/v1/coordinator/key", ANY),
            new Rule("POST", "/v1/clients", ADMIN),
            new Rule("GET", "/v1/clients", ADMIN),
            new Rule("POST", "/v1/clients/{name}/disable", ADMIN),
            new Rule("POST", "/v1/keys", ADMIN),
            new Rule("GET", "/v1/keys", ADMIN),
            new Rule("POST", "/v1/keys/{id}/revoke", ADMIN),
            new Rule("POST", "/v1/keys/{id}/rotate", ADMIN),
            new Rule("GET", "/v1/audit", ADMIN),
            new Rule("GET", "/v1/overview", ANY),
            new Rule("GET", "/v1/events", ANY),
            new Rule("POST", "/v1/webhooks", CLIENT),
            new Rule("GET", "/v1/webhooks", CLIENT),
            new Rule("DELETE", "/v1/webhooks/{id}", CLIENT));

    private AccessRules() {
    }

    /** The rule for a request, if one matches. */
    public static Optional<Rule> rule(String method, String path) {
        String[] given = trim(path).split("/");
        for (Rule r : RULES) {
            if (r.method().equals(method) && matches(r.path().split("/"), given)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The roles that may call {@code method path}: only admins for anything no rule names. */
    public static Set<Role> roles(String method, String path) {
        return rule(method, path).map(Rule::roles).orElse(ADMIN);
    }

    /**
     * The scope a scoped key needs for {@code method path}, if any: {@code admin:*} for anything no rule names.
     */
    public static Optional<Scope> scope(String method, String path) {
        return rule(method, path).map(Rule::scope).orElse(Optional.of(Scope.ADMIN));
    }

    private static boolean matches(String[] pattern, String[] given) {
        // a last segment {path} takes the rest of the path, slashes and all (an output's path below /job/out)
        boolean rest = pattern.length > 0 && pattern[pattern.length - 1].equals("{path}");
        if (rest ? given.length < pattern.length : pattern.length != given.length) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            boolean variable = pattern[i].startsWith("{") && !given[i].isEmpty();
            if (!variable && !pattern[i].equals(given[i])) {
                return false;
            }
        }
        return true;
    }

    private static String trim(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
