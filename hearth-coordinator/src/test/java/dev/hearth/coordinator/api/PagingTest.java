// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Lists come in pages: limit, an opaque cursor in next and Link, stable while items are added")
class PagingTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("clients page by name: every one once, and one added before the cursor does not shift later pages")
    void clientsStableUnderInserts() throws Exception {
        for (String name : List.of("c1", "c2", "c3", "c4", "c5", "c6", "c7")) {
            post("/v1/clients", "{\"name\":\"" + name + "\"}");
        }
        HttpResponse<String> first = get("/v1/clients?limit=3");
        JsonNode page = json(first);
        assertThat(names(page, "clients", "name")).containsExactly("c1", "c2", "c3");
        String next = page.get("next").asText();
        assertThat(first.headers().firstValue("Link")).contains("</v1/clients?limit=3&cursor=" + next
                + ">; rel=\"next\"");
        post("/v1/clients", "{\"name\":\"c0\"}"); // sorts before the cursor: it must not push c4 onto this page
        post("/v1/clients", "{\"name\":\"c9\"}"); // after: it is listed at the end
        JsonNode second = json(get("/v1/clients?limit=3&cursor=" + next));
        assertThat(names(second, "clients", "name")).containsExactly("c4", "c5", "c6");
        JsonNode last = json(get("/v1/clients?limit=3&cursor=" + second.get("next").asText()));
        assertThat(names(last, "clients", "name")).containsExactly("c7", "c9");
        assertThat(last.has("next")).isFalse();
    }

    @Test
    @DisplayName("node tokens, keys and accounts page through every item exactly once")
    void everyItemOnce() throws Exception {
        for (int i = 0; i < 5; i++) {
            post("/v1/tokens", "{\"label\":\"t" + i + "\"}");
            post("/v1/clients", "{\"name\":\"k" + i + "\"}"); // a client comes with a key
            post("/v1/ledger/deposits", "{\"account\":\"client:k" + i + "\",\"amount\":\"1\"}");
        }
        for (String[] list : new String[][] {{"/v1/tokens", "tokens", "id"}, {"/v1/keys", "keys", "id"},
                {"/v1/ledger/accounts", "accounts", "id"}}) {
            List<String> all = names(json(get(list[0] + "?limit=500")), list[1], list[2]);
            assertThat(all).as(list[0]).hasSizeGreaterThanOrEqualTo(5).doesNotHaveDuplicates();
            assertThat(walk(list[0], list[1], list[2], 2)).as(list[0]).isEqualTo(all);
        }
        assertThat(json(get("/v1/ledger/accounts?limit=1")).get("totalMicros").asLong())
                .as("the total is of every account, not the page's").isZero();
    }

    @Test
    @DisplayName("the audit trail and the transfers page back from the newest, every entry once")
    void newestFirstLists() throws Exception {
        for (int i = 0; i < 5; i++) {
            post("/v1/ledger/deposits", "{\"account\":\"client:n" + i + "\",\"amount\":\"1\"}");
        }
        for (String[] list : new String[][] {{"/v1/audit", "events", "id"}, {"/v1/ledger/transfers", "transfers",
                "seq"}}) {
            List<String> all = names(json(get(list[0] + "?limit=10000")), list[1], list[2]);
            assertThat(all).as(list[0]).hasSizeGreaterThanOrEqualTo(5).doesNotHaveDuplicates();
            List<String> paged = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = json(get(list[0] + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)));
                paged.addAll(0, names(page, list[1], list[2])); // each page oldest first, pages newest first
                cursor = page.path("next").asText(null);
            } while (cursor != null);
            assertThat(paged).as(list[0]).containsExactlyElementsOf(all.subList(all.size() - paged.size(),
                    all.size()));
            assertThat(paged.size()).as(list[0]).isGreaterThanOrEqualTo(all.size());
        }
    }

    @Test
    @DisplayName("a limit out of range or a cursor not from a page is refused 400 naming the parameter")
    void badParameters() throws Exception {
        for (String list : List.of("/v1/nodes", "/v1/instances", "/v1/tokens", "/v1/clients", "/v1/keys",
                "/v1/audit", "/v1/ledger/accounts", "/v1/ledger/transfers", "/v1/jobs")) {
            for (String[] bad : new String[][] {{"limit=0", "limit"}, {"limit=501x", "limit"},
                    {"cursor=not-a-cursor", "cursor"}}) {
                HttpResponse<String> r = get(list + "?" + bad[0]);
                assertThat(r.statusCode()).as(list + "?" + bad[0] + ": " + r.body()).isEqualTo(400);
                assertThat(json(r).get("field").asText()).as(list).isEqualTo(bad[1]);
                assertThat(r.headers().firstValue("Content-Type")).contains(ProblemDetails.MEDIA_TYPE);
            }
        }
    }

    private List<String> walk(String path, String field, String key, int limit) throws Exception {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(get(path + "?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor)));
            out.addAll(names(page, field, key));
            cursor = page.path("next").asText(null);
        } while (cursor != null);
        return out;
    }

    private static List<String> names(JsonNode page, String field, String key) {
        List<String> out = new ArrayList<>();
        page.get(field).forEach(n -> out.add(n.get(key).asText()));
        return out;
    }

    private void post(String path, String body) throws Exception {
        HttpResponse<String> r = send("POST", path, body);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isBetween(200, 201);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + admin).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
