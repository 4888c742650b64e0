// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which events a {@code GET /v1/events} stream wants ({@code ?types=job.*,instance.created,change}): each entry an
 * event type, or a family with {@code .*}; without {@code types} every typed event and {@code change}. Immutable.
 *
 * @param patterns the entries, empty for all
 */
record EventFilter(List<String> patterns) {

    /** The most entries in {@code types}. */
    static final int MAX_TYPES = 16;
    private static final String FORM = "a comma-separated list of at most " + MAX_TYPES + " event types or families, "
            + "such as job.*,instance.created,change";

    /** The request's filter, or empty when {@code types} is malformed (the 400 is answered). */
    static Optional<EventFilter> of(ServerRequest req, ServerResponse res) {
        Optional<String> types = req.query().first("types").asOptional();
        if (types.isEmpty()) {
            return Optional.of(new EventFilter(List.of()));
        }
        List<String> entries = Arrays.stream(types.get().split(",")).map(String::strip).toList();
        if (entries.isEmpty() || entries.size() > MAX_TYPES
                || !entries.stream().allMatch(t -> t.matches("change|(job|instance)\\.([a-z_]{1,32}|\\*)"))) {
            JsonResponses.invalid(res, "types", "types '" + types.get() + "' is invalid: " + FORM);
            return Optional.empty();
        }
        return Optional.of(new EventFilter(entries));
    }

    /** Whether the stream wants the typed event {@code type}. */
    boolean typed(String type) {
        return patterns.isEmpty() || patterns.stream().anyMatch(p -> p.endsWith(".*")
                ? type.startsWith(p.substring(0, p.length() - 1)) : p.equals(type));
    }

    /** Whether the stream wants {@code change}. */
    boolean change() {
        return patterns.isEmpty() || patterns.contains("change");
    }
}
