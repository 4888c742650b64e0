// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.api.ProblemDetails;
import dev.hearth.coordinator.api.Access;
import dev.hearth.coordinator.api.Principal;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /dashboard}: the web dashboard's page and assets (plain HTML, CSS and JavaScript from the jar; nothing is
 * fetched from elsewhere, and the Content-Security-Policy forbids it), and its session: {@code POST /session} logs in
 * with an API key ({@code {"key":"hck_..."}}) and sets the session cookie, {@code GET /session} says who is logged in
 * (and the CSRF token), {@code DELETE /session} logs out. The page reads everything else through /v1 with the cookie.
 * Thread-safe.
 */
public final class DashboardService implements HttpService {

    private static final Pattern ASSET = Pattern.compile("[a-z0-9-]{1,40}\\.(js|css|svg)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "html", "text/html; charset=utf-8");
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
            + "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final String LOGIN = "POST /dashboard/session";

    private final DashboardSessions sessions;
    private final Access access;
    private final Tenants tenants;
    private final boolean secure;

    /**
     * The dashboard over the API's {@code access} filter.
     *
     * @param secure whether the coordinator serves HTTPS (the cookie is then marked Secure)
     */
    public DashboardService(DashboardSessions sessions, Access access, Tenants tenants, boolean secure) {
        this.sessions = sessions;
        this.access = access;
        this.tenants = tenants;
        this.secure = secure;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> asset(res, "index.html", "html"))
                .get("/assets/{name}", this::asset)
                .post("/session", this::login)
                .get("/session", this::current)
                .delete("/session", this::logout);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (!ASSET.matcher(name).matches()) {
            error(res, 404, "unknown_asset", "no dashboard asset '" + name + "'");
            return;
        }
        asset(res, name, name.substring(name.lastIndexOf('.') + 1));
    }

    private void asset(ServerResponse res, String name, String type) {
        try (InputStream in = DashboardService.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                error(res, 404, "unknown_asset", "no dashboard asset '" + name + "'");
                return;
            }
            byte[] body = in.readAllBytes();
            headers(res).header(HeaderNames.CONTENT_TYPE, TYPES.get(type)).send(body);
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard asset " + name + " is unreadable in the jar", e);
        }
    }

    private void login(ServerRequest req, ServerResponse res) {
        String type = req.headers().value(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/json")) {
            // a cross-site form cannot send JSON without a preflight, which this server never grants
            error(res, 415, "json_required", "log in with Content-Type: application/json and {\"key\":\"hck_...\"}");
            return;
        }
        String key;
        try {
            JsonNode doc = Json.mapper().readTree(req.content().asOptional(String.class).orElse(""));
            key = doc != null && doc.path("key").isTextual() ? doc.get("key").asText() : null;
        } catch (IOException e) {
            key = null;
        }
        if (key == null) {
            error(res, 400, "invalid_input", "field key: send {\"key\":\"hck_...\"}, an API key (hearth client "
                    + "create, hearth key create) or the admin token");
            return;
        }
        Optional<Principal> who = access.authenticate(key);
        if (who.isEmpty()) {
            tenants.audit("anonymous", LOGIN, "refused:401", "dashboard login with a key unknown, revoked, expired "
                    + "or of a disabled client");
            error(res, 401, "unauthorized", "the key is unknown, revoked or expired, or its client is disabled");
            return;
        }
        Map.Entry<String, DashboardSessions.Session> opened = sessions.open(key);
        tenants.audit(who.get().actor(), LOGIN, "allowed", "dashboard login");
        res.header(HeaderNames.SET_COOKIE, DashboardSessions.COOKIE + "=" + opened.getKey() + "; Path=/; HttpOnly; "
                + "SameSite=Strict; Max-Age=" + DashboardSessions.LIFETIME.toSeconds() + (secure ? "; Secure" : ""));
        send(res, 200, view(who.get(), opened.getValue()));
    }

    private void current(ServerRequest req, ServerResponse res) {
        Optional<String> id = DashboardSessions.cookie(req.headers().value(HeaderNames.COOKIE));
        Optional<DashboardSessions.Session> session = id.flatMap(sessions::find);
        Optional<Principal> who = session.flatMap(s -> access.authenticate(s.key()));
        if (who.isEmpty()) {
            id.ifPresent(sessions::close); // its key was revoked: the session goes with it
            error(res, 401, "unauthorized", "not logged in, or the session ended: log in again");
            return;
        }
        send(res, 200, view(who.get(), session.get()));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        Optional<String> id = DashboardSessions.cookie(req.headers().value(HeaderNames.COOKIE));
        Optional<DashboardSessions.Session> session = id.flatMap(sessions::find);
        if (session.isPresent() && !session.get().csrfMatches(req.headers()
                .value(io.helidon.http.HeaderNames.create(DashboardSessions.CSRF_HEADER)).orElse(null))) {
            error(res, 403, "csrf_required", "log out with the session's CSRF token in the "
                    + DashboardSessions.CSRF_HEADER + " header");
            return;
        }
        id.ifPresent(sessions::close);
        res.header(HeaderNames.SET_COOKIE, DashboardSessions.COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; "
                + "Max-Age=0" + (secure ? "; Secure" : ""));
        send(res, 200, Json.mapper().createObjectNode().put("loggedOut", true));
    }

    private static ObjectNode view(Principal who, DashboardSessions.Session s) {
        return Json.mapper().createObjectNode().put("role", who.role().wireName()).put("name", who.name())
                .put("csrf", s.csrf()).put("expiresAt", s.expiresAt().toString());
    }

    private static ServerResponse headers(ServerResponse res) {
        return res.header(HeaderNames.create("Content-Security-Policy"), POLICY)
                .header(HeaderNames.create("X-Content-Type-Options"), "nosniff")
                .header(HeaderNames.create("Referrer-Policy"), "no-referrer")
                .header(HeaderNames.CACHE_CONTROL, "no-store");
    }

    private static void error(ServerResponse res, int status, String code, String message) {
        res.status(status);
        headers(res).header(HeaderNames.CONTENT_TYPE, ProblemDetails.MEDIA_TYPE)
                .send(ProblemDetails.of(status, code, message, null).toString());
    }

    private static void send(ServerResponse res, int status, ObjectNode body) {
        res.status(status);
        headers(res).header(HeaderNames.CONTENT_TYPE, "application/json").send(body.toString());
    }
}
