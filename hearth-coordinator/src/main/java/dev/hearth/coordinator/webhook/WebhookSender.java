// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import dev.hearth.coordinator.store.Webhooks;
import dev.hearth.coordinator.store.WebhookDelivery;
import dev.hearth.core.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the webhook outbox: each due message POSTed to its endpoint with the Standard Webhooks headers
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}), at least once, surviving restarts. A
 * failed attempt (no 2xx, a timeout, a target no longer allowed) is retried after the retry base, doubled per failure
 * up to an hour, and given up after {@value #MAX_ATTEMPTS} attempts. Each attempt resolves the URL's host once,
 * checks every address ({@link WebhookTargets#resolve}) and connects to the checked one ({@link WebhookPost}), so DNS
 * rebinding cannot turn a public name into an internal target. Redirects are not followed. One platform
 * thread; {@link #wake()} is thread-safe.
 */
public final class WebhookSender implements AutoCloseable {

    /** Attempts before a message is given up. */
    static final int MAX_ATTEMPTS = 12;
    private static final Duration MAX_DELAY = Duration.ofHours(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    private final Webhooks webhooks;
    private final WebhookTargets targets;
    private final InstantSource clock;
    private final Duration retryBase;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    /** A sender over the store's outbox; call {@link #start()}. */
    public WebhookSender(Webhooks webhooks, WebhookTargets targets, InstantSource clock, Duration retryBase) {
        this.webhooks = webhooks;
        this.targets = targets;
        this.clock = clock;
        this.retryBase = retryBase;
        this.thread = Thread.ofPlatform().name("hearth-webhooks").daemon().unstarted(this::run);
    }

    /** Starts sending, beginning with what the outbox holds from before a restart. */
    public WebhookSender start() {
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
                for (WebhookDelivery due : webhooks.due(clock.instant(), 100)) {
                    deliver(due);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.error("webhook pass failed; retrying", e);
                }
            }
        }
    }

    private void deliver(WebhookDelivery due) throws InterruptedException {
        String endpoint = due.endpoint().id();
        String failure;
        try {
            // resolved and checked again (its name may resolve elsewhere now), and the POST goes to the address
            // checked: the name is never resolved a second time for the connection
            WebhookTargets.Target target = targets.resolve(due.endpoint().url());
            long timestamp = clock.instant().getEpochSecond();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("webhook-id", due.messageId());
            headers.put("webhook-timestamp", String.valueOf(timestamp));
            headers.put("webhook-signature", WebhookSignature.sign(due.endpoint().secret(), due.messageId(),
                    timestamp, due.payload()));
            int status = WebhookPost.post(target, headers, due.payload().getBytes(StandardCharsets.UTF_8),
                    CONNECT_TIMEOUT, TIMEOUT);
            if (status / 100 == 2) {
                webhooks.delivered(due.messageId(), endpoint, clock.instant());
                return;
            }
            failure = "HTTP " + status;
        } catch (IOException | InvalidInputException e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        int failures = due.attempts() + 1;
        Optional<Instant> next = failures >= MAX_ATTEMPTS ? Optional.empty()
                : Optional.of(clock.instant().plus(delay(failures)));
        webhooks.failed(due.messageId(), endpoint, failure, next);
        log.warn("webhook {} of {} to endpoint {} failed ({}, attempt {}); {}", due.eventType(), due.messageId(),
                endpoint, failure, failures, next.map(t -> "retrying at " + t).orElse("given up"));
    }

    /** The wait after the {@code failures}-th failed attempt: the base, doubled per failure, at most an hour. */
    Duration delay(int failures) {
        Duration d = retryBase;
        for (int i = 1; i < failures && d.compareTo(MAX_DELAY) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    /** Stops the sender; what is undelivered stays in the outbox for the next start. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
