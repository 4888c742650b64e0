// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes JSON bodies and the API's error documents: an error body ({@code {"error": code, "message": text, ...}})
 * sent with a status of 400 or more goes out as an RFC 9457 problem ({@link ProblemDetails}) whose {@code instance}
 * is the path of the request {@link ProblemDetails#instances()} is serving on this thread.
 */
final class JsonResponses {

    /** The path of the request being served on this thread (a Helidon filter's chain runs on its thread). */
    private static final ThreadLocal<String> INSTANCE = new ThreadLocal<>();

    private JsonResponses() {
    }

    /** Runs the rest of a request's handling with its path as the {@code instance} of the problems it answers. */
    static void serving(String path, Runnable handling) {
        String outer = INSTANCE.get();
        INSTANCE.set(path);
        try {
            handling.run();
        } finally {
            if (outer == null) {
                INSTANCE.remove();
            } else {
                INSTANCE.set(outer);
            }
        }
    }

    static void send(ServerResponse res, int status, Object body) {
        if (status >= 400) {
            JsonNode tree = Json.mapper().valueToTree(body);
            if (tree.isObject() && tree.path("error").isTextual()) {
                res.status(status).header(HeaderNames.CONTENT_TYPE, ProblemDetails.MEDIA_TYPE)
                        .send(ProblemDetails.of(status, tree, INSTANCE.get()).toString());
                return;
            }
        }
        sendText(res, status, text(body));
    }

    /** Sends a JSON body already written as text. */
    static void sendText(ServerResponse res, int status, String json) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(json);
    }

    /** The JSON text of a body. */
    static String text(Object body) {
        try {
            return Json.mapper().writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response body did not serialise: " + body.getClass().getName(), e);
        }
    }

    /** A 400 {@code invalid_input} naming the field at fault. */
    static void invalid(ServerResponse res, String field, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "invalid_input");
        body.put("field", field);
        body.put("message", message);
        send(res, 400, body);
    }

    static void error(ServerResponse res, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        send(res, status, body);
    }
}
