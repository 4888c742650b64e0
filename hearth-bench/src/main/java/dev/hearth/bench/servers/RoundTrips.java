// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the clients of one candidate observe: heartbeat round trips of heartbeats sent inside the measurement
 * window, errors and unexpected disconnects (with the first one's text). Thread-safe.
 */
final class RoundTrips {

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private final List<Long> rtts = new ArrayList<>(); // guarded by itself
    private final AtomicLong sent = new AtomicLong();
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

    void sent(long sentNanos) {
        if (inWindow(sentNanos)) {
            sent.incrementAndGet();
        }
    }

    void acked(long sentNanos, long ackNanos) {
        if (inWindow(sentNanos)) {
            synchronized (rtts) {
                rtts.add(ackNanos - sentNanos);
            }
        }
    }

    void error(String text) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, text);
    }

    void disconnected(String text) {
        disconnects.incrementAndGet();
        firstDisconnect.compareAndSet(null, text);
    }

    /** Round trips of heartbeats sent in the window, in nanoseconds. */
    List<Long> rtts() {
        synchronized (rtts) {
            return List.copyOf(rtts);
        }
    }

    int acked() {
        synchronized (rtts) {
            return rtts.size();
        }
    }

    long sent() {
        return sent.get();
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
