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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import dev.hearth.agent.link.CoordinatorLink;

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
        String url = flag != null ? flag : env.getOrDefault("HEARTH_COORDINATOR", DEFAULT_URL);
        String token = env.get("HEARTH_TOKEN");
        if (token == null || token.isBlank()) {
            Path file = HearthPaths.coordinatorData(env).resolve("admin.token");
            if (!Files.isReadable(file)) {
                throw new IOException("no client token: set HEARTH_TOKEN, or run on the coordinator's host where "
                        + file + " holds the admin token");
            }
            token = Files.readString(file).strip();
        }
        URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if ("http".equalsIgnoreCase(base.getScheme()) && !loopback(base.getHost())
                && !"1".equals(env.get("HEARTH_INSECURE_HTTP"))) {
            throw new IOException("refusing to send a key over plain HTTP to " + base.getHost() + ": use https:// "
                    + "(the coordinator serves TLS), or set HEARTH_INSECURE_HTTP=1 to send it in the clear anyway");
        }
        return new CoordinatorClient(base, token, CoordinatorLink.trust(env));
    }

    /** Whether a URL's host is this machine's loopback: localhost or a loopback address literal. */
    static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
            return false; // a name: never resolved here, so never trusted as loopback
        }
        try {
            // an address literal: getByName parses it without a lookup
            return java.net.InetAddress.getByName(literal).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
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

    /** As {@link #post(String, String, String)}, with more request headers (an {@code Idempotency-Key}). */
    JsonNode post(String path, String body, String contentType, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request);
    }

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

    /** A text answer with its headers (the logs' epoch and completeness). */
    HttpResponse<String> getTextResponse(String path) throws IOException, InterruptedException {
        return exchange(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** How long a file's upload or download may take: its bytes travel within the request's time. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

    /** Whether {@code HEAD path} answers 200 (404: false; any other answer is an error). */
    boolean exists(String path) throws IOException, InterruptedException {
        HttpRequest built = HttpRequest.newBuilder(base.resolve(path)).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).build();
        int status = http.send(built, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 200 && status != 404) {
            throw new CoordinatorError(status, "HEAD " + built.uri().getPath() + " failed (" + status + ")");
        }
        return status == 200;
    }

    /** {@code PUT path} with {@code file}'s bytes streamed as {@code application/octet-stream}; the JSON answer. */
    JsonNode putFile(String path, Path file) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/octet-stream")
                .timeout(TRANSFER_TIMEOUT).PUT(HttpRequest.BodyPublishers.ofFile(file)));
    }

    /**
     * {@code GET path} as a stream, for a download (the caller closes the body); an error answer is thrown as
     * {@link CoordinatorError} with its detail.
     */
    HttpResponse<java.io.InputStream> getStream(String path) throws IOException, InterruptedException {
        HttpRequest built = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .timeout(TRANSFER_TIMEOUT).GET().build();
        HttpResponse<java.io.InputStream> r = http.send(built, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() >= 400) {
            String body;
            try (java.io.InputStream in = r.body()) {
                body = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            }
            throw new CoordinatorError(r.statusCode(), "GET " + built.uri().getPath() + " failed (" + r.statusCode()
                    + "): " + body);
        }
        return r;
    }

    /**
     * A streamed text answer (a log follow) whose headers come within {@code headersWithin}; the caller reads and
     * closes its body.
     *
     * @throws java.net.http.HttpTimeoutException when no headers came in time
     */
    HttpResponse<java.io.InputStream> stream(String path, Duration headersWithin)
            throws IOException, InterruptedException {
        HttpRequest built = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .timeout(headersWithin).GET().build();
        HttpResponse<java.io.InputStream> r = http.send(built, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() >= 400) {
            try (java.io.InputStream in = r.body()) {
                String body = new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
                JsonNode err = body.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(body);
                throw new CoordinatorError(r.statusCode(), "GET " + built.uri().getPath() + " failed ("
                        + r.statusCode() + "): " + err.path("detail").asText(err.path("message").asText(body)));
            }
        }
        return r;
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = exchange(request);
        return r.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request) throws IOException, InterruptedException {
        request.header("Authorization", "Bearer " + token);
        HttpRequest peek = request.copy().build();
        HttpRequest built = peek.timeout().isPresent() ? peek : request.timeout(Duration.ofSeconds(30)).build();
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
