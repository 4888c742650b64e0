// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the simulated agents observe, shared by all of them: heartbeat round trips sent inside the measurement
 * window, when each job offer arrived, result acknowledgements, and errors and unexpected disconnects (with the
 * first one's text, for the report). Thread-safe: agents call it from the WebSocket client's threads.
 */
final class SimCounters {

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private final List<Long> heartbeatRtts = new ArrayList<>();
    private final AtomicLong heartbeatsSent = new AtomicLong();
    private final Map<String, Long> offers = new ConcurrentHashMap<>();
    private final AtomicLong duplicateOffers = new AtomicLong();
    private final AtomicLong resultsAccepted = new AtomicLong();
    private final AtomicLong resultsRefused = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicReference<String> firstDisconnect = new AtomicReference<>();

    /** Counts heartbeats sent from {@code startNanos} ({@link System#nanoTime()}) until {@link #closeWindow}. */
    void openWindow(long startNanos) {
        windowStart = startNanos;
    }

    /** Heartbeats sent from {@code endNanos} on are not counted. */
    void closeWindow(long endNanos) {
        windowEnd = endNanos;
    }

    private boolean inWindow(long nanos) {
        return nanos >= windowStart && nanos < windowEnd;
    }

    /** An agent sent a heartbeat at {@code sentNanos}. */
    void heartbeatSent(long sentNanos) {
        if (inWindow(sentNanos)) {
            heartbeatsSent.incrementAndGet();
        }
    }

    /** The {@code ack} of a heartbeat sent at {@code sentNanos} arrived at {@code ackNanos}. */
    void heartbeatAcked(long sentNanos, long ackNanos) {
        if (inWindow(sentNanos)) {
            synchronized (heartbeatRtts) {
                heartbeatRtts.add(ackNanos - sentNanos);
            }
        }
    }

    /** A job offer arrived at {@code nanos}. */
    void offered(String jobId, long nanos) {
        if (offers.putIfAbsent(jobId, nanos) != null) {
            duplicateOffers.incrementAndGet();
        }
    }

    /** The coordinator acknowledged a result. */
    void resultAcked(boolean accepted) {
        (accepted ? resultsAccepted : resultsRefused).incrementAndGet();
    }

    /** The coordinator sent an {@code error}, or a send failed. */
    void error(String text) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, text);
    }

    /** A registered agent's connection closed or failed while the benchmark ran. */
    void disconnected(String text) {
        disconnects.incrementAndGet();
        firstDisconnect.compareAndSet(null, text);
    }

    /** Round trips of heartbeats sent in the window, in nanoseconds, in arrival order. */
    List<Long> heartbeatRtts() {
        synchronized (heartbeatRtts) {
            return List.copyOf(heartbeatRtts);
        }
    }

    long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /** Offer arrival times by job id. */
    Map<String, Long> offers() {
        return Map.copyOf(offers);
    }

    int offerCount() {
        return offers.size();
    }

    long duplicateOffers() {
        return duplicateOffers.get();
    }

    long resultsAccepted() {
        return resultsAccepted.get();
    }

    long resultsRefused() {
        return resultsRefused.get();
    }

    long errors() {
        return errors.get();
    }

    String firstError() {
        return firstError.get();
    }

    long disconnects() {
        return disconnects.get();
    }

    String firstDisconnect() {
        return firstDisconnect.get();
    }
}
