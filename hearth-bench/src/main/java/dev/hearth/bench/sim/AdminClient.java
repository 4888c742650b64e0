// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The coordinator's REST API as an admin uses it, asynchronously: create node tokens, submit jobs. Each call fails
 * with an {@link IllegalStateException} naming the status and body when the coordinator refuses it. Thread-safe.
 */
final class AdminClient {

    /** The job every simulated submission asks for: {@code true} with Hearth's defaults (1.5 CPUs, 512m). */
    static final String JOB_DOCUMENT = "{\"command\":[\"true\"]}";

    private final HttpClient http;
    private final URI base;
    private final String adminToken;

    AdminClient(HttpClient http, URI base, String adminToken) {
        this.http = http;
        this.base = base;
        this.adminToken = adminToken;
    }

    /** Creates a node token that binds to the first key presenting it; completes with its plaintext. */
    CompletableFuture<String> createToken(String label) {
        return post("/v1/tokens", "{\"ttl\":\"2h\",\"label\":\"" + label + "\"}").thenApply(j -> j.get("token")
                .asText());
    }

    /**
     * Submits {@code count} copies of {@link #JOB_DOCUMENT}: one through {@code POST /v1/jobs}, more in one
     * {@code POST /v1/jobs/batch}; completes with the jobs' ids, in order, once they are durable.
     */
    CompletableFuture<List<String>> submitJobs(int count) {
        if (count == 1) {
            return post("/v1/jobs", JOB_DOCUMENT).thenApply(j -> List.of(j.get("id").asText()));
        }
        String body = "{\"jobs\":[" + String.join(",", java.util.Collections.nCopies(count, JOB_DOCUMENT)) + "]}";
        return post("/v1/jobs/batch", body).thenApply(j -> {
            List<String> ids = new java.util.ArrayList<>(count);
            j.get("jobs").forEach(job -> ids.add(job.get("id").asText()));
            return ids;
        });
    }

    private CompletableFuture<JsonNode> post(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + adminToken)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() >= 300) {
                throw new IllegalStateException("POST " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            try {
                return Json.mapper().readTree(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException("POST " + path + " answered unreadable JSON: " + r.body(), e);
            }
        });
    }
}
