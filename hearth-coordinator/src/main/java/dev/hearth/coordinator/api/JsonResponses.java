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

    static void error(ServerResponse res, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        send(res, status, body);
    }
}
