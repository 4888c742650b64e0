// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.EventRecord;
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
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/events}: a Server-Sent Events stream that tells the caller when what it may see has changed (event
 * {@code change}), so the dashboard reads the /v1 API again instead of polling it; the events carry no data beyond a
 * counter, so a stream shows nothing the caller could not read anyway. What is watched follows the caller's role: an
 * admin the network's job counts, nodes and ledger; an operator the job counts and its own nodes; a client its own
 * newest jobs and its balance. Beside it come the typed events of the webhook outbox ({@code event: job.<state>} or
 * {@code instance.<action>}, {@code id:} the event's seq, {@code data:} the Standard Webhooks body), those the caller
 * may see only: an admin all, a client those of its own jobs and instances, an operator those of jobs and instances
 * on its own nodes. {@code Last-Event-ID} resumes after that seq while it is within the kept window (else an
 * {@code event: reset} says events were missed: read the state again); {@code ?types=job.*,instance.created} keeps
 * only the typed events named ({@code change} too when named). Each stream is bounded: a {@code heartbeat} event every {@link #HEARTBEAT}, and after
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
    private static final io.helidon.http.HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");

    private final Store store;
    private final Tenants tenants;
    private final InstantSource clock;
    private final StreamSlots slots = new StreamSlots(PER_CALLER, IN_ALL, "event streams");
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
        Optional<EventFilter> filter = EventFilter.of(req, res);
        if (filter.isEmpty()) {
            return;
        }
        Optional<StreamSlots.Slot> slot = slots.take(req, res, "close another dashboard tab, or wait for one to end");
        if (slot.isEmpty()) {
            return;
        }
        try (StreamSlots.Slot held = slot.get()) {
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .header(HeaderNames.CACHE_CONTROL, "no-store");
            Start from = start(req); // before the first byte: nothing written after the client sees the stream is missed
            try (OutputStream out = res.outputStream()) {
                send(out, "retry: 3000\n\n" + from.reset());
                run(caller, filter.get(), from.after(), out);
            }
        } catch (IOException | RuntimeException e) {
            // the browser went away (or the store did): the stream ends; the browser reconnects if it is still there
        }
    }

    /** Where the typed events start: after seq {@code after}, with the {@code reset} event to send first, or "". */
    private record Start(long after, String reset) {
    }

    /** The seq typed events start after: the Last-Event-ID when it is within the kept window, else the newest. */
    private Start start(ServerRequest req) {
        long last = store.webhooks().lastEventSeq();
        Optional<String> header = req.headers().first(LAST_EVENT_ID);
        if (header.isEmpty() || !header.get().matches("[0-9]{1,18}")) {
            return new Start(last, ""); // none (or not one of ours): only what comes from now on
        }
        long from = Long.parseLong(header.get());
        long first = store.webhooks().firstEventSeq();
        if (from > last || first > 0 && from < first - 1 || first == 0 && from < last) {
            return new Start(last, "event: reset\ndata: {\"lastEventId\":" + from + ",\"oldest\":" + first
                    + ",\"newest\":" + last + "}\n\n");
        }
        return new Start(from, "");
    }

    private void run(Principal caller, EventFilter filter, long after, OutputStream out) throws IOException {
        Instant start = clock.instant();
        Instant lastWrite = start;
        String last = null;
        long seq = 0;
        long typed = after;
        Set<String> own = caller.role() == Role.OPERATOR ? tenants.nodesOf(caller.name()) : Set.of();
        while (!closed) {
            Instant now = clock.instant();
            if (!now.isBefore(start.plus(DEADLINE))) {
                send(out, "event: deadline\ndata: {\"after\":\"" + DEADLINE + "\"}\n\n");
                return;
            }
            for (EventRecord e : store.webhooks().eventsAfter(typed, 100)) {
                typed = e.seq();
                if (visible(caller, own, e) && filter.typed(e.type())) {
                    send(out, "event: " + e.type() + "\nid: " + e.seq() + "\ndata: " + e.payload() + "\n\n");
                    lastWrite = now;
                }
            }
            String state = filter.change() ? watched(caller) : null;
            if (state != null && !state.equals(last)) {
                // no id: a change counter must not become the stream's Last-Event-ID (typed events resume by it)
                send(out, "event: change\ndata: {\"seq\":" + (++seq) + "}\n\n");
                last = state;
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

    /** Whether the caller may see an event: an admin all, a client its own, an operator its nodes'. */
    static boolean visible(Principal caller, Set<String> ownNodes, EventRecord e) {
        return switch (caller.role()) {
            case ADMIN -> true;
            case CLIENT -> e.owner().equals(caller.actor());
            case OPERATOR -> e.nodeId() != null && ownNodes.contains(e.nodeId());
        };
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

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
