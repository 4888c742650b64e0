// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import dev.hearth.agent.link.CoordinatorLink;
import dev.hearth.client.HearthClient;

/**
 * The CLI's view of a coordinator's REST API: where it is (--coordinator, HEARTH_COORDINATOR, else
 * http://127.0.0.1:7070) and how to authenticate (HEARTH_TOKEN, else the admin token file of the local
 * coordinator). A key is sent over plain HTTP to loopback only, unless HEARTH_INSECURE_HTTP=1 (--insecure-http); an
 * https:// coordinator is trusted by HEARTH_TLS_FINGERPRINT (--tls-fingerprint) or HEARTH_TLS_CA (--tls-ca), else
 * by the JDK's CAs. Errors carry the HTTP status and the server's message. Thread-safe.
 */
final class CoordinatorClient {

    /** Default coordinator address. */
    static final String DEFAULT_URL = "http://127.0.0.1:7070";

    private final URI base;
    private final String token;
    private final HttpClient http;

    private CoordinatorClient(URI base, String token, Optional<SSLContext> tls) {
        this.base = base;
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        tls.ifPresent(b::sslContext);
        this.http = b.build();
    }

    /** A client from the flag, the environment, and the default token file. */
    static CoordinatorClient from(String flag, Map<String, String> env) throws IOException {
        CoordinatorTarget t = CoordinatorTarget.from(flag, env);
        return new CoordinatorClient(t.base(), t.token(), CoordinatorLink.trust(env));
    }

    /** Whether a URL's host is this machine's loopback: localhost or a loopback address literal. */
    static boolean loopback(String host) {
        return HearthClient.loopback(host);
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /**
     * Every page of a list operation: the first page's document with the {@code field} arrays of all pages in one,
     * following {@code next} (at most {@value #MAX_PAGES} pages; a cursor seen twice ends it, so a coordinator that
     * answers the same page for ever cannot hold the CLI).
     */
    JsonNode getAll(String path, String field) throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.node.ObjectNode first = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        String cursor = null;
        for (int pages = 0; pages < MAX_PAGES; pages++) {
            JsonNode page = get(path + (path.contains("?") ? "&" : "?") + "limit=500"
                    + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor,
                            java.nio.charset.StandardCharsets.UTF_8)));
            if (first == null) {
                first = page.isObject() ? (com.fasterxml.jackson.databind.node.ObjectNode) page.deepCopy()
                        : Json.mapper().createObjectNode();
                first.remove("next");
                first.putArray(field).addAll(page.path(field).isArray()
                        ? (com.fasterxml.jackson.databind.node.ArrayNode) page.path(field)
                        : Json.mapper().createArrayNode());
            } else {
                page.path(field).forEach(((com.fasterxml.jackson.databind.node.ArrayNode) first.get(field))::add);
            }
            cursor = page.path("next").asText(null);
            if (cursor == null || !seen.add(cursor)) {
                break;
            }
        }
        return first;
    }

    /** The most pages {@link #getAll} follows. */
    static final int MAX_PAGES = 10_000;

    JsonNode post(String path, String body, String contentType) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    JsonNode put(String path, String body, String contentType) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    JsonNode delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    String getText(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = exchange(HttpRequest.newBuilder(base.resolve(path)).GET());
        return r.body();
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = exchange(request);
        return r.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r;
        try {
            r = http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the coordinator at " + base + " (connection refused); start it with "
                    + "'hearth coordinator', or point --coordinator / HEARTH_COORDINATOR at it", e);
        }
        if (r.statusCode() >= 400) {
            String message = r.body();
            try {
                JsonNode err = Json.mapper().readTree(r.body());
                // an RFC 9457 problem's detail; the earlier error form's message
                if (err.hasNonNull("detail")) {
                    message = err.get("detail").asText();
                } else if (err.hasNonNull("message")) {
                    message = err.get("message").asText();
                }
            } catch (IOException notJson) {
                // the body is not JSON: show it as it is
            }
            throw new CoordinatorError(r.statusCode(), built.method() + " " + built.uri().getPath() + " failed ("
                    + r.statusCode() + "): " + message);
        }
        return r;
    }

    /** The coordinator refused a request. */
    static final class CoordinatorError extends IOException {
        private final int status;

        CoordinatorError(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
