// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.store.IdempotencyClaim;
import dev.hearth.coordinator.store.IdempotencyKeys;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code Idempotency-Key} request header on create operations (IETF draft-ietf-httpapi-idempotency-key-header):
 * the first request with a key runs and its successful answer is kept; a retry with the same key and body gets that
 * answer again (same status and body, with {@code Idempotent-Replayed: true}) and creates nothing; the same key with
 * another body or operation is refused 422; a retry while the first still runs is refused 409 with
 * {@code Retry-After}. A request that fails gives its key back, so it may be retried. Keys are per caller
 * ({@link Principal#actor()}) and kept for the retention. Thread-safe.
 */
final class IdempotentRequests {

    /** The request header. */
    static final HeaderName HEADER = HeaderNames.create("Idempotency-Key");
    /** Set on a replayed answer. */
    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");
    /** What a key may be: 1 to 255 characters of letters, digits and {@code - _ . :} (a UUID fits). */
    static final Pattern FORM = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");
    /** How long a claim may run before a retry takes it over (its coordinator stopped mid-request). */
    static final Duration ABANDON_AFTER = Duration.ofMinutes(15);

    private final IdempotencyKeys keys;
    private final Duration retention;

    IdempotentRequests(IdempotencyKeys keys, Duration retention) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /**
     * Opens the request's key, if it has one. When the returned ticket {@link Ticket#answered() is answered}, the
     * response was sent (a replay or a refusal) and the handler must stop; otherwise it runs the request, calls
     * {@link Ticket#complete} with its successful answer, and always closes the ticket (which gives back a key
     * whose request did not complete).
     */
    Ticket open(ServerRequest req, ServerResponse res, String body) {
        var header = req.headers().value(HEADER);
        if (header.isEmpty()) {
            return Ticket.NONE;
        }
        String key = header.get().strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1); // the draft's structured-field string form
        }
        if (!FORM.matcher(key).matches()) {
            JsonResponses.invalid(res, HEADER.defaultCase(), "the Idempotency-Key header must be 1 to 255 "
                    + "characters of letters, digits and - _ . : (a UUID, for example); got " + key.length()
                    + " characters" + (key.length() > 255 ? "" : " with others among them"));
            return Ticket.ANSWERED;
        }
        String operation = req.prologue().method().text() + " " + req.path().path();
        String type = req.headers().value(HeaderNames.CONTENT_TYPE).orElse("");
        String client = Principal.of(req).actor();
        IdempotencyClaim claim = keys.claim(client, key, operation, fingerprint(operation, type, body), retention,
                ABANDON_AFTER);
        switch (claim) {
            case IdempotencyClaim.Claimed c -> {
                return new Ticket(keys, client, key, false);
            }
            case IdempotencyClaim.Replay r -> {
                res.header(REPLAYED, "true");
                if (r.answer().location() != null) {
                    res.header(HeaderNames.LOCATION, r.answer().location());
                }
                JsonResponses.sendText(res, r.answer().status(), r.answer().body());
            }
            case IdempotencyClaim.Mismatch m -> {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", "idempotency_key_reused");
                err.put("field", HEADER.defaultCase());
                err.put("message", "this Idempotency-Key was used within the last " + retention.toHours()
                        + " h for " + (m.operation().equals(operation) ? "a request with another body" : m.operation())
                        + ": send a new key for a new request, and the same body with a retried one");
                JsonResponses.send(res, 422, err);
            }
            case IdempotencyClaim.InProgress p -> {
                res.header(HeaderNames.RETRY_AFTER, "1");
                JsonResponses.error(res, 409, "idempotency_key_in_use", "a request with this Idempotency-Key is "
                        + "still running (since " + p.since() + "): retry it once that one has answered");
            }
        }
        return Ticket.ANSWERED;
    }

    private static String fingerprint(String operation, String type, String body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((operation + "\n" + type.strip().toLowerCase(java.util.Locale.ROOT) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** One request's hold on its key: complete it with the answer, and close it in any case. Not thread-safe. */
    static final class Ticket implements AutoCloseable {

        static final Ticket NONE = new Ticket(null, null, null, false);
        static final Ticket ANSWERED = new Ticket(null, null, null, true);

        private final IdempotencyKeys keys;
        private final String client;
        private final String key;
        private final boolean answered;
        private boolean done;

        private Ticket(IdempotencyKeys keys, String client, String key, boolean answered) {
            this.keys = keys;
            this.client = client;
            this.key = key;
            this.answered = answered;
        }

        /** Whether the answer was sent already (a replay or a refusal): the handler stops. */
        boolean answered() {
            return answered;
        }

        /** Keeps the successful answer for retries with the key. */
        void complete(int status, String body, String location) {
            if (keys != null) {
                keys.complete(client, key, new IdempotencyClaim.Answer(status, body, location));
                done = true;
            }
        }

        /** Gives the key back when the request did not complete, so a retry runs anew. */
        @Override
        public void close() {
            if (keys != null && !done) {
                keys.release(client, key);
            }
        }
    }
}
