// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A real coordinator's HTTP API as agent tests call it with the admin token: a request whose answer must be a
 * success, and a wait for a condition. Thread-safe.
 *
 * @param port the coordinator's port on 127.0.0.1
 * @param admin the admin token
 */
record CoordinatorApi(int port, String admin) {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Sends {@code body} (JSON, or null for none) and returns the answer, asserting a 2xx status. */
    JsonNode call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + admin).method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    /** A condition that may call the API. */
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits until {@code c} holds, failing with {@code what} after {@code limit}. */
    static void await(String what, Duration limit, Condition c) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("%s within %d s", what, limit.toSeconds()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
