// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.PaymentNotice;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each released payment from the store's durable outbox to the settlement webhook, signed with the
 * coordinator's key, until the receiver answers 2xx: at least once, in ledger order per pass, surviving restarts
 * (an undelivered payment stays in the outbox). A failed delivery is retried after the retry base, doubled per
 * failure up to 5 minutes. The receiver deduplicates by {@code transferSeq} (or {@code idempotencyKey}).
 *
 * <p>The body is {@link #payload}; the header {@value #SIGNATURE_HEADER} carries {@code ed25519=<base64 signature
 * of the body's exact bytes>}, verifiable with the key at {@code GET /v1/coordinator/key}. One platform thread;
 * thread-safe to {@link #wake()} from anywhere.
 */
public final class PaymentWebhook implements AutoCloseable {

    /** The header that carries the signature. */
    public static final String SIGNATURE_HEADER = "Hearth-Signature";
    private static final Duration MAX_DELAY = Duration.ofMinutes(5);
    private static final Logger log = LoggerFactory.getLogger(PaymentWebhook.class);

    private final Store store;
    private final URI url;
    private final CoordinatorKey key;
    private final InstantSource clock;
    private final Duration retryBase;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    /** A sender for {@code url}; call {@link #start()}. */
    public PaymentWebhook(Store store, URI url, CoordinatorKey key, InstantSource clock, Duration retryBase) {
        this.store = store;
        this.url = url;
        this.key = key;
        this.clock = clock;
        this.retryBase = retryBase;
        this.thread = Thread.ofPlatform().name("hearth-settlement-webhook").daemon().unstarted(this::run);
    }

    /** Starts sending, beginning with whatever the outbox holds from before a restart. */
    public PaymentWebhook start() {
        thread.start();
        return this;
    }

    /** Asks for a delivery pass soon; never blocks. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void run() {
        while (running) {
            try {
                wakeups.tryAcquire(Math.min(1000, retryBase.toMillis()), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                for (PaymentNotice due : store.ledger().duePayments(clock.instant(), 100)) {
                    deliver(due);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.error("settlement webhook pass failed; retrying", e);
                }
            }
        }
    }

    private void deliver(PaymentNotice due) throws InterruptedException {
        long seq = due.transfer().seq();
        byte[] body = payload(due.transfer()).getBytes(StandardCharsets.UTF_8);
        String failure;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header(SIGNATURE_HEADER, "ed25519=" + key.sign(body))
                    .header("Hearth-Delivery", String.valueOf(seq))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                store.ledger().paymentDelivered(seq, clock.instant());
                log.info("payment {} (job {}) delivered to the settlement webhook after {} attempts", seq,
                        due.transfer().jobId(), due.attempts() + 1);
                return;
            }
            failure = "HTTP " + r.statusCode();
        } catch (IOException e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Duration delay = delay(due.attempts() + 1);
        store.ledger().paymentFailed(seq, failure, clock.instant().plus(delay));
        log.warn("settlement webhook {} refused payment {} ({}, attempt {}); retrying in {} ms", url, seq, failure,
                due.attempts() + 1, delay.toMillis());
    }

    /** The wait after the {@code failures}-th failed attempt: the base, doubled per failure, at most 5 minutes. */
    Duration delay(int failures) {
        Duration d = retryBase;
        for (int i = 1; i < failures && d.compareTo(MAX_DELAY) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    /**
     * The JSON body for a released payment: {@code event}, {@code transferSeq}, {@code idempotencyKey},
     * {@code jobId}, {@code nodeId}, {@code account}, {@code amount} (credits, text), {@code amountMicros},
     * {@code releasedAt}. The same bytes on every attempt.
     */
    public static String payload(LedgerTransfer t) {
        ObjectNode p = Json.mapper().createObjectNode().put("event", "payment.released").put("transferSeq", t.seq())
                .put("idempotencyKey", t.idempotencyKey()).put("jobId", t.jobId()).put("nodeId", t.nodeId())
                .put("account", t.toAccount()).put("amount", Credits.format(t.amountMicros()))
                .put("amountMicros", t.amountMicros()).put("releasedAt", t.createdAt().toString());
        return p.toString();
    }

    /** Stops the sender; what is undelivered stays in the outbox for the next start. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
