// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.WritableHeaders;
import java.util.Arrays;

/** The WebSocket subprotocol handshake ({@code Sec-WebSocket-Protocol}, RFC 6455 section 4). Stateless. */
final class Subprotocol {

    static final HeaderName HEADER = HeaderNames.create("Sec-WebSocket-Protocol");

    private Subprotocol() {
    }

    /** Whether the upgrade request offers {@code name} among its subprotocols (a comma-separated list). */
    static boolean offered(Headers request, String name) {
        if (!request.contains(HEADER)) {
            return false;
        }
        return request.get(HEADER).allValues().stream()
                .flatMap(v -> Arrays.stream(v.split(",")))
                .anyMatch(v -> v.strip().equals(name));
    }

    /** The response headers that choose {@code name}. */
    static Headers chosen(String name) {
        WritableHeaders<?> headers = WritableHeaders.create();
        headers.set(HeaderValues.create(HEADER, name));
        return headers;
    }
}
