// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Tenants;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /v1/events}: a Server-Sent Events stream that tells the caller when what it may see has changed (event
 * {@code change}), so the dashboard reads the /v1 API again instead of polling it; the events carry no data beyond a
 * counter, so a stream shows nothing the caller could not read anyway. What is watched follows the caller's role: an
 * admin the network's job counts, nodes and ledger; an operator the job counts and its own nodes; a client its own
 * newest jobs and its balance. Each stream is bounded: a {@code heartbeat} event every {@link #HEARTBEAT}, and after
 * {@link #DEADLINE} a {@code deadline} event and the end of the stream (the browser's EventSource reconnects after the
 * {@code retry} it was given); at most {@link #PER_CALLER} open streams per caller and {@link #IN_ALL} in all, more are
 * refused with 429. Thread-safe.
 */
public final class EventsApi implements HttpService {

    /** How long one stream lasts. */
    public static final Duration DEADLINE = Duration.ofMinutes(5);
    /** How often a stream with nothing new says it is alive. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** Open streams one caller may hold. */
    public static final int PER_CALLER = 4;
    /** Open streams in all. */
    public static final int IN_ALL = 256;
    private static final long POLL_MILLIS = 1000;

    private final Store store;
    private final Tenants tenants;
    private final InstantSource clock;
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean closed;

    /** Streams over the store's state, timed by {@code clock}. */
    public EventsApi(Store store, Tenants tenants, InstantSource clock) {
        this.store = store;
        this.tenants = tenants;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::stream);
    }

    /** Ends every open stream (the server is stopping). */
    public void close() {
        closed = true;
    }

    private void stream(ServerRequest req, ServerResponse res) {
        Principal caller = Principal.of(req);
        AtomicInteger mine = open.computeIfAbsent(caller.actor(), a -> new AtomicInteger());
        int callers = mine.incrementAndGet();
        int all = total.incrementAndGet(); // both counted before the test: release() takes both back
        if (callers > PER_CALLER || all > IN_ALL) {
            release(caller, mine);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "too_many_streams");
            body.put("message", "at most " + PER_CALLER + " open event streams per caller and " + IN_ALL
                    + " in all: close another dashboard tab, or wait for one to end");
            res.header(HeaderNames.RETRY_AFTER, "10");
            Access.refuse(req, res, 429, body);
            return;
        }
        try {
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .header(HeaderNames.CACHE_CONTROL, "no-store");
            try (OutputStream out = res.outputStream()) {
                send(out, "retry: 3000\n\n");
                run(caller, out);
            }
        } catch (IOException | RuntimeException e) {
            // the browser went away (or the store did): the stream ends; the browser reconnects if it is still there
        } finally {
            release(caller, mine);
        }
    }

    private void run(Principal caller, OutputStream out) throws IOException {
        Instant start = clock.instant();
        Instant lastWrite = start;
        String last = null;
        long seq = 0;
        while (!closed) {
            Instant now = clock.instant();
            if (!now.isBefore(start.plus(DEADLINE))) {
                send(out, "event: deadline\ndata: {\"after\":\"" + DEADLINE + "\"}\n\n");
                return;
            }
            String state = watched(caller);
            if (!state.equals(last)) {
                last = state;
                send(out, "event: change\nid: " + (++seq) + "\ndata: {\"seq\":" + seq + "}\n\n");
                lastWrite = now;
            } else if (!now.isBefore(lastWrite.plus(HEARTBEAT))) {
                send(out, "event: heartbeat\ndata: {\"at\":\"" + now + "\"}\n\n");
                lastWrite = now;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A fingerprint of what the caller sees: it changes when a page of the dashboard would. */
    private String watched(Principal caller) {
        StringBuilder s = new StringBuilder();
        if (caller.role() == Role.CLIENT) {
            for (JobRecord j : store.jobPageOf(caller.account(), Optional.empty(), Optional.empty(), 100).jobs()) {
                s.append(j.id()).append(j.state()).append(j.epoch()).append(';');
            }
            s.append(store.ledger().account(caller.account()).map(LedgerAccount::balanceMicros).orElse(0L));
            return s.toString();
        }
        s.append(store.jobCounts());
        Set<String> own = caller.admin() ? Set.of() : tenants.nodesOf(caller.name());
        for (NodeRecord n : store.nodes()) {
            if (caller.admin() || own.contains(n.id())) {
                s.append(n.id()).append(n.state()).append(';');
            }
        }
        if (caller.admin()) {
            store.ledger().transfers(Optional.empty(), Optional.empty(), 1).forEach(t -> s.append(t.seq()));
        }
        return s.toString();
    }

    private void release(Principal caller, AtomicInteger mine) {
        mine.decrementAndGet();
        total.decrementAndGet();
        open.computeIfPresent(caller.actor(), (a, n) -> n.get() <= 0 ? null : n);
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
