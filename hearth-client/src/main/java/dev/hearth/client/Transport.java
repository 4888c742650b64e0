// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with the coordinator: the bearer token on every request, a deadline on every call, and a
 * refusal turned into a {@link HearthApiException} from its problem document. Thread-safe.
 */
final class Transport {

    private final URI base;
    private final char[] token;
    private final HttpClient http;
    private final Duration callTimeout;

    Transport(URI base, char[] token, HttpClient http, Duration callTimeout) {
        this.base = base;
        this.token = token;
        this.http = http;
        this.callTimeout = callTimeout;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    URI base() {
        return base;
    }

    /** A request to an endpoint, ready for a body and headers. */
    HttpRequest.Builder request(Endpoint endpoint, List<String> params, String query, Duration timeout) {
        String path = endpoint.path(params) + (query == null || query.isEmpty() ? "" : "?" + query);
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Authorization", "Bearer " + new String(token));
    }

    /** The call's whole answer as text, within {@code timeout} for all of it (headers and body). */
    HttpResponse<String> send(Endpoint endpoint, HttpRequest request, Duration timeout)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> r;
        try {
            r = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new HttpTimeoutException(endpoint + " on " + base + " gave no complete answer within " + timeout
                    + "; the coordinator is slow or unreachable: retry, or raise the client's callTimeout");
        } catch (ExecutionException e) {
            throw transportError(endpoint, e.getCause());
        } catch (CancellationException e) {
            throw new IOException(endpoint + " on " + base + " was cancelled", e);
        }
        check(endpoint, request, r.statusCode(), r.headers(), r.body());
        return r;
    }

    /** JSON answer of a call with no body. */
    JsonNode json(Endpoint endpoint, List<String> params, String query) throws IOException, InterruptedException {
        HttpRequest req = request(endpoint, params, query, callTimeout)
                .method(endpoint.method(), HttpRequest.BodyPublishers.noBody()).build();
        return parse(endpoint, send(endpoint, req, callTimeout).body());
    }

    /** A streamed answer: headers within {@code timeout}; the caller reads (and closes) the body. */
    HttpResponse<InputStream> open(Endpoint endpoint, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw transportError(endpoint, e);
        }
        if (r.statusCode() >= 400) {
            String body;
            try (InputStream in = r.body()) {
                body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            }
            check(endpoint, request, r.statusCode(), r.headers(), body);
        }
        return r;
    }

    static JsonNode parse(Endpoint endpoint, String body) throws IOException {
        try {
            return body.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new IOException(endpoint + " answered something that is not JSON: "
                    + abbreviate(body), e);
        }
    }

    private IOException transportError(Endpoint endpoint, Throwable cause) {
        if (cause instanceof ConnectException) {
            return new ConnectException("cannot reach the coordinator at " + base + " for " + endpoint
                    + " (connection refused): start it with 'hearth coordinator', or point the client at it");
        }
        if (cause instanceof IOException io) {
            return io;
        }
        return new IOException(endpoint + " on " + base + " failed: " + cause, cause);
    }

    private static void check(Endpoint endpoint, HttpRequest request, int status, java.net.http.HttpHeaders headers,
            String body) throws HearthApiException {
        if (status < 400) {
            return;
        }
        Duration retryAfter = headers.firstValue("Retry-After").flatMap(Transport::seconds).orElse(null);
        String operation = request.method() + " " + request.uri().getRawPath();
        String code = "http_" + status;
        String field = null;
        String detail = body.isBlank() ? null : abbreviate(body);
        try {
            JsonNode p = Json.mapper().readTree(body);
            if (p != null && p.isObject()) {
                code = p.hasNonNull("code") ? p.get("code").asText() : p.path("error").asText(code);
                field = p.hasNonNull("field") ? p.get("field").asText() : null;
                detail = p.hasNonNull("detail") ? p.get("detail").asText()
                        : p.hasNonNull("message") ? p.get("message").asText() : detail;
            }
        } catch (IOException notJson) {
            // not a problem document: the status and the text as it is
        }
        throw new HearthApiException(operation, status, code, field, detail, retryAfter);
    }

    private static java.util.Optional<Duration> seconds(String value) {
        try {
            return java.util.Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty(); // an HTTP date: the client's own backoff applies
        }
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    /** Forgets the token (the client was closed). */
    void forget() {
        java.util.Arrays.fill(token, '\0');
    }
}
