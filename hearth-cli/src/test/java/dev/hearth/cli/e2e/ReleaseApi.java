// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The coordinator's HTTP API as the release tests use it: calls with the admin token, a node coming online, an
 * instance running and healthy through its proxy. Immutable and thread-safe.
 *
 * @param base the coordinator's address, {@code http://127.0.0.1:PORT}
 * @param admin the admin token, or empty before it is known
 */
record ReleaseApi(String base, String admin) {

    // HTTP/1.1: the gateway behind an instance's proxy does not take the h2c upgrade of the default client
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The same coordinator, called with {@code token}. */
    ReleaseApi withAdmin(String token) {
        return new ReleaseApi(base, token.strip());
    }

    /** The status of an unauthenticated GET of {@code path} at {@code at}, or -1 when nothing answers. */
    static int status(String at, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(at + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@link #status(String, String)} at the coordinator. */
    int status(String path) {
        return status(base, path);
    }

    HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + admin).timeout(Duration.ofMinutes(6))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A call that must succeed, its JSON answer. */
    JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(method, path, body);
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    /** The id of the first node online, within 90 s. */
    String awaitOnline() throws Exception {
        String[] id = new String[1];
        Cluster.await("the agent's node is online", Duration.ofSeconds(90), () -> {
            for (JsonNode n : api("GET", "/v1/nodes", null).path("nodes")) {
                if ("online".equals(n.path("state").asText())) {
                    id[0] = n.get("id").asText();
                    return true;
                }
            }
            return false;
        });
        return id[0];
    }

    JsonNode node(String nodeId) throws Exception {
        return api("GET", "/v1/nodes/" + nodeId, null);
    }

    Optional<JsonNode> instance(String nodeId, String id) throws Exception {
        for (JsonNode i : node(nodeId).path("instances")) {
            if (i.get("id").asText().equals(id)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** Waits up to 240 s for the instance to be running, healthy and answering 200 on its proxy's /health. */
    void awaitHealthy(String nodeId, String id, int hostPort) throws Exception {
        String[] last = {"nothing yet"};
        try {
            Cluster.await("instance " + id + " running, healthy and answering on its proxy", Duration.ofSeconds(240),
                    () -> {
                        Optional<JsonNode> i = instance(nodeId, id);
                        int proxy = status("http://127.0.0.1:" + hostPort, "/health");
                        last[0] = i.map(JsonNode::toString).orElse("not in the inventory") + "; proxy " + proxy;
                        return i.map(n -> n.path("state").asText().equals("running")
                                && n.path("health").asText().equals("ok")).orElse(false) && proxy == 200;
                    });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
    }
}
