// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import io.helidon.webserver.http.Filter;
import java.util.Locale;

/**
 * The API's error documents as RFC 9457 problem details ({@code application/problem+json}): {@code type}
 * ({@value #TYPE_PREFIX}{@code <code>}), {@code title} (the code in words, the same for every problem of a type),
 * {@code status}, {@code detail} (what was wrong and what is accepted), {@code instance} (the request's path), and
 * the stable {@code code} to branch on as an extension member. The members of the earlier error form stay:
 * {@code error} (the code) and {@code message} (the detail), so clients written against it keep working, and so do
 * the extension members a problem carries ({@code field}, {@code limit}, {@code role}, ...). Stateless.
 */
public final class ProblemDetails {

    /** The media type of a problem document. */
    public static final String MEDIA_TYPE = "application/problem+json";
    /** Every problem type is this prefix and the stable code: {@code urn:hearth:problem:invalid_input}. */
    public static final String TYPE_PREFIX = "urn:hearth:problem:";

    private ProblemDetails() {
    }

    /**
     * The routing filter that makes each request's path the {@code instance} of the problems its handlers answer;
     * add it to the routing before the API's routes.
     */
    public static Filter instances() {
        return (chain, req, res) -> JsonResponses.serving(req.path().path(), chain::proceed);
    }

    /**
     * The problem document of an error body of the earlier form ({@code error}, {@code message} and extension
     * members), for a request to {@code instance} (null when not known).
     */
    public static ObjectNode of(int status, JsonNode errorBody, String instance) {
        String code = errorBody.path("error").asText("error");
        String detail = errorBody.path("message").asText(null);
        ObjectNode p = Json.mapper().createObjectNode();
        p.put("type", TYPE_PREFIX + code).put("title", title(code)).put("status", status);
        if (detail != null) {
            p.put("detail", detail);
        }
        if (instance != null) {
            p.put("instance", instance);
        }
        p.put("code", code);
        errorBody.properties().forEach(e -> {
            if (!p.has(e.getKey())) {
                p.set(e.getKey(), e.getValue());
            }
        });
        return p;
    }

    /** A problem of {@code code} with {@code detail} for a request to {@code instance} (null when not known). */
    public static ObjectNode of(int status, String code, String detail, String instance) {
        return of(status, Json.mapper().createObjectNode().put("error", code).put("message", detail), instance);
    }

    /** {@code invalid_input} -> {@code Invalid input}. */
    static String title(String code) {
        String words = code.replace('_', ' ');
        return words.isEmpty() ? "Error" : words.substring(0, 1).toUpperCase(Locale.ROOT) + words.substring(1);
    }
}
