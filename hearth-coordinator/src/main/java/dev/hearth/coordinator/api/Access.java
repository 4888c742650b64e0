// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.AdminToken;
import dev.hearth.coordinator.dashboard.DashboardSessions;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import dev.hearth.coordinator.store.Tenants;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one authorization filter in front of every /v1 route: resolves the bearer key to a {@link Principal} (the
 * bootstrap admin token, or a live {@code hck_} key from the store, looked up afresh on every call so a revoked,
 * expired or disabled key stops at once), refuses roles the route's {@link AccessRules rule} does not name (403,
 * naming the roles needed; 401 without a key), refuses a scoped key the scope the route needs (403
 * {@code scope_required}, naming it), applies the client's API rate limit (429 with Retry-After), and
 * records every refused request and every admin change in the audit trail. Thread-safe.
 *
 * <p>A request without an Authorization header may instead carry the dashboard's session cookie
 * ({@link DashboardSessions}): the session's key is authenticated the same way, and a state-changing request
 * (anything but GET and HEAD) must also carry the session's CSRF token, or it is refused (403 {@code csrf_required}).
 */
public final class Access {

    /** Where a handler's refusal is recorded: the audit trail, under the caller and the request. */
    private record AuditSink(Tenants tenants, String actor, String action) {
    }

    /** The agents' HTTP routes, which {@link NodeFilesApi} authenticates by node token and key. */
    static final String NODE_ROUTES = dev.hearth.core.protocol.Protocol.AGENT_PATH + "/";

    private final AdminToken admin;
    private final Tenants tenants;
    private final RateLimiter limiter;
    private final DashboardSessions sessions;

    /** The filter over the bootstrap token and the store's keys, with no dashboard sessions. */
    public Access(AdminToken admin, Tenants tenants, InstantSource clock) {
        this(admin, tenants, clock, new DashboardSessions(clock));
    }

    /** The filter over the bootstrap token, the store's keys and the dashboard's {@code sessions}. */
    public Access(AdminToken admin, Tenants tenants, InstantSource clock, DashboardSessions sessions) {
        this.admin = admin;
        this.tenants = tenants;
        this.limiter = new RateLimiter(clock);
        this.sessions = sessions;
    }

    /** Who {@code key} (an {@code hck_} key or the admin token) belongs to, if it is live: the dashboard's login. */
    public Optional<Principal> authenticate(String key) {
        return key == null || key.isBlank() ? Optional.empty() : resolve("Bearer " + key.strip());
    }

    /** The filter: passes the request on with its principal in the context, or answers the refusal. */
    public void filter(ServerRequest req, ServerResponse res) {
        String method = req.prologue().method().text();
        String path = req.path().path();
        if (path.startsWith(NODE_ROUTES)) {
            res.next(); // nodes authenticate with their node token and key: NodeFilesApi checks them
            return;
        }
        String action = method + " " + path;
        String header = req.headers().value(HeaderNames.AUTHORIZATION).orElse(null);
        // no Authorization header: the dashboard's session cookie, whose key is checked like a bearer key
        Optional<DashboardSessions.Session> session = header != null ? Optional.empty()
                : DashboardSessions.cookie(req.headers().value(HeaderNames.COOKIE)).flatMap(sessions::find);
        Optional<Principal> caller = resolve(session.map(s -> "Bearer " + s.key()).orElse(header));
        if (caller.isEmpty()) {
            tenants.audit("anonymous", action, "refused:401", "no key, or a key unknown, revoked, expired or of a "
                    + "disabled client");
            JsonResponses.error(res, 401, "unauthorized", "send Authorization: Bearer <key>: an hck_ key (hearth "
                    + "client create, hearth key create) or the admin token in the data folder's admin.token; a "
                    + "revoked or expired key, or one of a disabled client, is refused");
            return;
        }
        Principal p = caller.get();
        Method verb = req.prologue().method();
        if (session.isPresent() && verb != Method.GET && verb != Method.HEAD
                && !session.get().csrfMatches(req.headers().value(HeaderNames.create(DashboardSessions.CSRF_HEADER))
                        .orElse(null))) {
            tenants.audit(p.actor(), action, "refused:403", "session cookie without its CSRF token");
            JsonResponses.error(res, 403, "csrf_required", action + " with the dashboard's session cookie needs "
                    + "the session's CSRF token in the " + DashboardSessions.CSRF_HEADER + " header (the login "
                    + "answer and GET /dashboard/session give it)");
            return;
        }
        Set<Role> roles = AccessRules.roles(method, path);
        if (!roles.contains(p.role())) {
            String needed = roles.stream().map(Role::wireName).sorted().collect(Collectors.joining(" or "));
            tenants.audit(p.actor(), action, "refused:403", "role " + p.role().wireName() + "; needs " + needed);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "role_required");
            body.put("role", roles.stream().map(Role::wireName).sorted().toList());
            body.put("message", action + " needs a key of role " + needed + "; this key is of role "
                    + p.role().wireName());
            JsonResponses.send(res, 403, body);
            return;
        }
        Optional<Scope> scope = AccessRules.scope(method, path);
        if (!p.allows(scope)) {
            String needed = scope.orElseThrow().wireName();
            String held = Scope.format(p.scopes());
            tenants.audit(p.actor(), action, "refused:403", "scopes " + held + "; needs " + needed);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "scope_required");
            body.put("scope", needed);
            body.put("message", action + " needs a key with scope " + needed + "; this key has only " + held
                    + " (hearth key create --scope " + needed + ")");
            JsonResponses.send(res, 403, body);
            return;
        }
        if (p.role() == Role.CLIENT) {
            int perMinute = tenants.client(p.name()).map(ClientRecord::quota).orElse(Quota.NONE).requestsPerMinute();
            Optional<Duration> wait = limiter.take(p.actor(), perMinute);
            if (wait.isPresent()) {
                long seconds = Math.max(1, wait.get().toSeconds() + (wait.get().toMillisPart() > 0 ? 1 : 0));
                tenants.audit(p.actor(), action, "refused:429", "quota requestsPerMinute " + perMinute);
                res.header(HeaderNames.RETRY_AFTER, String.valueOf(seconds));
                JsonResponses.send(res, 429, Map.of("error", "quota_exceeded", "limit", "requestsPerMinute",
                        "message", "client " + p.name() + " may make " + perMinute + " API calls a minute (quota "
                                + "requestsPerMinute); try again in " + seconds + " s"));
                return;
            }
        }
        req.context().register(p);
        req.context().register(new AuditSink(tenants, p.actor(), action));
        if (p.admin() && req.prologue().method() != Method.GET) {
            tenants.audit(p.actor(), action, "allowed", "admin action");
        }
        res.next();
    }

    /**
     * Answers a refusal from inside a handler (a job of another client, a quota reached) and leaves its reason for
     * the audit trail.
     */
    static void refuse(ServerRequest req, ServerResponse res, int status, Map<String, Object> body) {
        req.context().get(AuditSink.class).ifPresent(a -> a.tenants().audit(a.actor(), a.action(),
                "refused:" + status, body.get("error") + ": " + body.get("message")));
        JsonResponses.send(res, status, body);
    }

    /** A 403 {@code not_yours}: the thing exists but belongs to another client. */
    static void notYours(ServerRequest req, ServerResponse res, String what) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "not_yours");
        body.put("role", java.util.List.of("admin"));
        body.put("message", what + " belongs to another client: only its owner or an admin may act on it");
        refuse(req, res, 403, body);
    }

    private Optional<Principal> resolve(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return Optional.empty();
        }
        if (admin.matches(header)) {
            return Optional.of(Principal.BOOTSTRAP);
        }
        return tenants.authenticate(header.substring(7).strip())
                .map(k -> new Principal(k.role(), k.owner(), k.id(), k.scopes()));
    }
}
