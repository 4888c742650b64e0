// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.store.MutableClock;
import dev.hearth.core.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's session against a real coordinator, without a browser: the cookie's attributes, the CSRF token a
 * cookie-authenticated change needs, a revoked key ending its sessions, a client seeing only its own, the page's
 * Content-Security-Policy and assets that reach nowhere else, and the live event stream.
 */
@DisplayName("The dashboard's session: cookie, CSRF, revocation, a client's view, the page's policy, live events")
class DashboardSessionTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("a login sets an HttpOnly, SameSite=Strict cookie; with it a read passes, a change needs the CSRF token")
    void cookieAndCsrf() throws Exception {
        JsonNode alice = json(call("POST", "/v1/clients", "{\"name\":\"alice\"}", "Authorization", "Bearer " + admin));
        call("POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"10\"}", "Authorization",
                "Bearer " + admin);
        HttpResponse<String> login = call("POST", "/dashboard/session", "{\"key\":\"" + alice.get("key").asText() + "\"}");
        assertThat(login.statusCode()).isEqualTo(200);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(DashboardSessions.COOKIE + "=").contains("HttpOnly", "SameSite=Strict",
                "Path=/", "Max-Age=28800");
        assertThat(login.body()).as("the key is never sent back").doesNotContain(alice.get("key").asText());
        String cookie = setCookie.split(";")[0];
        String csrf = json(login).get("csrf").asText();
        assertThat(json(login).get("role").asText()).isEqualTo("client");

        assertThat(call("GET", "/v1/jobs", null, "Cookie", cookie).statusCode()).isEqualTo(200);
        String job = "{\"command\":[\"true\"],\"secrets\":{\"TOKEN\":\"hunter2-secret\"}}";
        HttpResponse<String> forged = call("POST", "/v1/jobs", job, "Cookie", cookie);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(json(forged).get("error").asText()).isEqualTo("csrf_required");
        assertThat(call("POST", "/v1/jobs", job, "Cookie", cookie, DashboardSessions.CSRF_HEADER, "wrong")
                .statusCode()).isEqualTo(403);
        assertThat(call("GET", "/v1/jobs", null).statusCode()).as("no cookie, no key").isEqualTo(401);
        HttpResponse<String> made = call("POST", "/v1/jobs", job, "Cookie", cookie, DashboardSessions.CSRF_HEADER,
                csrf);
        assertThat(made.statusCode()).isEqualTo(201);
        String id = json(made).get("id").asText();

        // the spec shows the secret's name, never its value; the client's overview is its own
        HttpResponse<String> spec = call("GET", "/v1/jobs/" + id + "/spec", null, "Cookie", cookie);
        assertThat(spec.body()).contains("TOKEN").doesNotContain("hunter2-secret");
        assertThat(json(call("GET", "/v1/overview", null, "Cookie", cookie)).get("scope").asText()).isEqualTo("client");
        assertThat(json(call("GET", "/v1/overview", null, "Cookie", cookie)).has("nodes")).isFalse();

        // another client cannot read Alice's job; once Alice's key is revoked her session is over
        JsonNode bob = json(call("POST", "/v1/clients", "{\"name\":\"bob\"}", "Authorization", "Bearer " + admin));
        String bobCookie = call("POST", "/dashboard/session", "{\"key\":\"" + bob.get("key").asText() + "\"}")
                .headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertThat(call("GET", "/v1/jobs/" + id + "/spec", null, "Cookie", bobCookie).statusCode()).isEqualTo(403);
        assertThat(json(call("GET", "/v1/jobs", null, "Cookie", bobCookie)).get("jobs")).isEmpty();
        call("POST", "/v1/keys/" + alice.get("id").asText() + "/revoke", null, "Authorization", "Bearer " + admin);
        assertThat(call("GET", "/v1/jobs", null, "Cookie", cookie).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/dashboard/session", null, "Cookie", cookie).statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("the page forbids every other origin, its assets name none, and a wrong key or a form post logs nobody in")
    void pageAndLogin() throws Exception {
        HttpResponse<String> page = call("GET", "/dashboard/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");
        for (String asset : List.of("app.js", "app.css")) {
            HttpResponse<String> a = call("GET", "/dashboard/assets/" + asset, null);
            assertThat(a.statusCode()).isEqualTo(200);
            assertThat(a.body().replace("http://www.w3.org/2000/svg", "")).as(asset + " reaches nowhere else")
                    .doesNotContain("http://", "https://", "//cdn", "localStorage.setItem");
        }
        assertThat(call("GET", "/dashboard/assets/..%2Fhearth.db", null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/dashboard/session", "{\"key\":\"hck_nope_nope\"}").statusCode()).isEqualTo(401);
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(uri("/dashboard/session"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + admin)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(form.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    @DisplayName("the event stream says 'change' at once and again when a job is submitted; a fifth stream is refused")
    void events() throws Exception {
        List<InputStream> open = new ArrayList<>();
        try {
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(uri("/v1/events"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofInputStream());
            open.add(stream.body());
            BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertThat(nextEvent(lines)).isEqualTo("change");
            call("POST", "/v1/jobs", "{\"command\":[\"true\"]}", "Authorization", "Bearer " + admin);
            String next = nextEvent(lines);
            while (next.startsWith("job.")) {
                next = nextEvent(lines); // the typed events come beside the dashboard's change
            }
            assertThat(next).isEqualTo("change");
            for (int i = 1; i < dev.hearth.coordinator.api.EventsApi.PER_CALLER; i++) {
                open.add(http.send(HttpRequest.newBuilder(uri("/v1/events")).header("Authorization", "Bearer " + admin)
                        .build(), HttpResponse.BodyHandlers.ofInputStream()).body());
            }
            HttpResponse<String> more = call("GET", "/v1/events", null, "Authorization", "Bearer " + admin);
            assertThat(more.statusCode()).isEqualTo(429);
            assertThat(json(more).get("error").asText()).isEqualTo("too_many_streams");
        } finally {
            for (InputStream in : open) {
                in.close();
            }
        }
    }

    @Test
    @DisplayName("a session ends after its lifetime, and a logout ends it at once")
    void expiry() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DashboardSessions sessions = new DashboardSessions(clock);
        String id = sessions.open("hck_x").getKey();
        assertThat(sessions.find(id)).isPresent();
        assertThat(DashboardSessions.cookie(Optional.of("a=b; " + DashboardSessions.COOKIE + "=" + id))).contains(id);
        clock.advance(DashboardSessions.LIFETIME.minusSeconds(1));
        assertThat(sessions.find(id)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(sessions.find(id)).isEmpty();
        String other = sessions.open("hck_y").getKey();
        sessions.close(other);
        assertThat(sessions.find(other)).isEmpty();
        assertThat(sessions.find(null)).isEmpty();
    }

    @Test
    @DisplayName("one key logging in again and again pushes out only its own oldest sessions, never another key's")
    void sessionsPerKey() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DashboardSessions sessions = new DashboardSessions(clock);
        String bob = sessions.open("hck_bob").getKey();
        List<String> alice = new ArrayList<>();
        for (int i = 0; i < DashboardSessions.MAX_PER_KEY + 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            alice.add(sessions.open("hck_alice").getKey());
        }
        assertThat(sessions.find(bob)).isPresent();
        assertThat(alice.stream().filter(id -> sessions.find(id).isPresent()).toList())
                .isEqualTo(alice.subList(5, alice.size()));
    }

    private static String nextEvent(BufferedReader lines) throws Exception {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("event: ")) {
                return line.substring(7);
            }
        }
        throw new AssertionError("the event stream ended");
    }

    private HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
