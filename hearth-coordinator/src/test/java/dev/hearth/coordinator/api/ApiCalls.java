// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * A real coordinator's API as the tests here call it: requests with any key, and what an admin sets up (clients with
 * deposits and quotas). Thread-safe.
 */
final class ApiCalls {

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String admin;

    ApiCalls(int port, String admin) {
        this.port = port;
        this.admin = admin;
    }

    /** A new client with {@code deposit} credits and, unless null, the quota {@code quotaJson}; its API key. */
    String client(String name, String deposit, String quotaJson) throws Exception {
        String key = call("POST", "/v1/clients", "{\"name\":\"" + name + "\"" + (quotaJson == null ? ""
                : ",\"quota\":" + quotaJson) + "}", 201).get("key").asText();
        call("POST", "/v1/ledger/deposits", "{\"account\":\"client:" + name + "\",\"amount\":\"" + deposit + "\"}",
                201);
        return key;
    }

    /** Client {@code name}'s balance, as the API writes it. */
    String balance(String name) throws Exception {
        return call("GET", "/v1/ledger/accounts/client:" + name, null, 200).get("balance").asText();
    }

    /** The first page of jobs {@code key} sees. */
    JsonNode jobs(String key) throws Exception {
        return json(send(key, "GET", "/v1/jobs", null, null)).get("jobs");
    }

    /** An admin's call that must answer {@code status}; its JSON. */
    JsonNode call(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = send(admin, method, path, body, null);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return json(r);
    }

    /** A JSON request with {@code key}, and an {@code Idempotency-Key} unless null. */
    HttpResponse<String> send(String key, String method, String path, String body, String idempotencyKey)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key);
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
