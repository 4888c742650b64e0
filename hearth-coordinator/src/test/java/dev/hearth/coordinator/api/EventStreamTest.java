// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
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
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The typed events of {@code GET /v1/events} against a real coordinator and a scripted node: a job's whole life in
 * order, only to those who may see it, resumed after a Last-Event-ID, filtered by {@code types}.
 */
@DisplayName("GET /v1/events streams typed job events to whom they belong, resumable by Last-Event-ID")
class EventStreamTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private ScriptedHearthNode node;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<InputStream> open = new ArrayList<>();

    /** One SSE event as read. */
    private record Event(String type, String id, String data) {
    }

    @BeforeEach
    void start() throws Exception {
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100_000_000L, Optional.empty(),
                Duration.ofMillis(50));
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100), ledger), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() throws Exception {
        for (InputStream in : open) {
            in.close();
        }
        if (node != null) {
            node.close();
        }
        server.close();
    }

    private HttpResponse<String> call(String key, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String client(String name) throws Exception {
        String key = Json.mapper().readTree(call(admin, "POST", "/v1/clients", "{\"name\":\"" + name + "\"}").body())
                .get("key").asText();
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:" + name + "\",\"amount\":\"10\"}");
        return key;
    }

    /** Opens a stream and collects its events in the background. */
    private List<Event> stream(String key, String query, String lastEventId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/events"
                + query)).header("Authorization", "Bearer " + key);
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        open.add(r.body());
        List<Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture.runAsync(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String type = "message";
                String id = null;
                String dataLine = "";
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        events.add(new Event(type, id, dataLine));
                        type = "message";
                        id = null;
                        dataLine = "";
                    } else if (line.startsWith("event: ")) {
                        type = line.substring(7);
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("data: ")) {
                        dataLine = line.substring(6);
                    }
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        });
        return events;
    }

    private static List<String> typed(List<Event> events, String jobId) {
        return events.stream().filter(e -> e.type().startsWith("job."))
                .filter(e -> e.data().contains(jobId)).map(Event::type).toList();
    }

    private static void await(String what, List<Event> events, Predicate<List<Event>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.test(events)) {
            assertThat(System.nanoTime()).as(what + ": " + events).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    @DisplayName("a client sees its own job's whole life, queued to completed, and never another client's; the "
            + "admin sees both; types filters")
    void ownEventsInOrder() throws Exception {
        String alice = client("alice");
        String bob = client("bob");
        List<Event> alices = stream(alice, "", null);
        List<Event> bobs = stream(bob, "", null);
        List<Event> admins = stream(admin, "", null);
        List<Event> running = stream(alice, "?types=job.running", null);
        node = new ScriptedHearthNode(Json.mapper().readTree(call(admin, "POST", "/v1/tokens", "{}").body())
                .get("token").asText(), 2, false);
        node.connect(server.port());
        String job = Json.mapper().readTree(call(alice, "POST", "/v1/jobs", "{\"command\":[\"ok\"],\"cpus\":\"0.5\","
                + "\"memory\":\"64m\",\"price\":\"1\"}").body()).get("id").asText();
        await("alice's job completed, as alice sees it", alices, e -> typed(e, job).contains("job.completed"));
        assertThat(typed(alices, job)).containsExactly("job.queued", "job.leased", "job.running", "job.verifying",
                "job.completed");
        Event done = alices.stream().filter(e -> e.type().equals("job.completed")).findFirst().orElseThrow();
        JsonNode body = Json.mapper().readTree(done.data());
        assertThat(body.get("type").asText()).isEqualTo("job.completed");
        assertThat(body.at("/data/id").asText()).isEqualTo(job);
        assertThat(body.at("/data/nodeId").asText()).isEqualTo(node.nodeId());
        assertThat(Long.parseLong(done.id())).isPositive();
        await("the admin sees it too", admins, e -> typed(e, job).contains("job.completed"));
        await("the filtered stream sees running", running, e -> typed(e, job).contains("job.running"));
        Thread.sleep(1500); // a pass or two more of bob's stream
        assertThat(bobs.stream().filter(e -> e.type().startsWith("job."))).as("bob sees none of alice's").isEmpty();
        assertThat(typed(running, job)).containsExactly("job.running");
        assertThat(running.stream().map(Event::type)).doesNotContain("change");

        // resumed after the first event: the rest again, in order
        String first = alices.stream().filter(e -> e.type().equals("job.queued")).findFirst().orElseThrow().id();
        List<Event> resumed = stream(alice, "", first);
        await("the replay", resumed, e -> typed(e, job).contains("job.completed"));
        assertThat(typed(resumed, job)).containsExactly("job.leased", "job.running", "job.verifying",
                "job.completed");
        // an id past the newest (or before the kept window) is answered with reset
        List<Event> reset = stream(alice, "", "999999999");
        await("reset", reset, e -> e.stream().anyMatch(x -> x.type().equals("reset")));

        HttpResponse<String> bad = call(alice, "GET", "/v1/events?types=job.%3Cx%3E", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("types");
    }
}
