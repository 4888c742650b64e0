// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on long-lived responses (event streams, log follows): at most {@code perCaller} open per caller and
 * {@code inAll} in all; one more is refused with 429 {@code too_many_streams} and a {@code Retry-After}. Thread-safe.
 */
final class StreamSlots {

    private final int perCaller;
    private final int inAll;
    private final String what;
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /** @param what the streams, as the refusal names them ("event streams") */
    StreamSlots(int perCaller, int inAll, String what) {
        this.perCaller = perCaller;
        this.inAll = inAll;
        this.what = what;
    }

    /** One taken slot; closing it gives it back. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /** A slot for the caller, or empty when the caller or everyone holds the most (the 429 is answered). */
    Optional<Slot> take(ServerRequest req, ServerResponse res, String hint) {
        String actor = Principal.of(req).actor();
        AtomicInteger mine = open.computeIfAbsent(actor, a -> new AtomicInteger());
        int callers = mine.incrementAndGet();
        int all = total.incrementAndGet(); // both counted before the test: the release takes both back
        Slot slot = () -> {
            mine.decrementAndGet();
            total.decrementAndGet();
            open.computeIfPresent(actor, (a, n) -> n.get() <= 0 ? null : n);
        };
        if (callers <= perCaller && all <= inAll) {
            return Optional.of(slot);
        }
        slot.close();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "too_many_streams");
        body.put("message", "at most " + perCaller + " open " + what + " per caller and " + inAll + " in all ("
                + callers + " of yours, " + all + " in all would be open): " + hint);
        res.header(HeaderNames.RETRY_AFTER, "10");
        Access.refuse(req, res, 429, body);
        return Optional.empty();
    }
}
