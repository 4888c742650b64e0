// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes JSON bodies and the API's error documents ({@code {"error": code, "message": text}}). */
final class JsonResponses {

    private JsonResponses() {
    }

    static void send(ServerResponse res, int status, Object body) {
        try {
            res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send(Json.mapper().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            res.status(500).send("{\"error\":\"internal\",\"message\":\"response did not serialise\"}");
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
