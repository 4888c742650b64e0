// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import dev.hearth.coordinator.store.NodeStanding;
import dev.hearth.coordinator.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Each node's placement preference ({@link Reputation#preference}), counted from the store at most once per
 * {@code maxAge}: a scheduling pass runs on every result, and the counts move slowly. Thread-safe.
 */
public final class NodePreferences implements Supplier<Map<String, Double>> {

    private final Store store;
    private final InstantSource clock;
    private final long stakeReferenceMicros;
    private final Duration maxAge;
    private Map<String, Double> cached = Map.of();
    private Instant countedAt = Instant.MIN;

    /** Preferences from {@code store}, recounted when older than {@code maxAge}. */
    public NodePreferences(Store store, InstantSource clock, long stakeReferenceMicros, Duration maxAge) {
        this.store = store;
        this.clock = clock;
        this.stakeReferenceMicros = stakeReferenceMicros;
        this.maxAge = maxAge;
    }

    @Override
    public synchronized Map<String, Double> get() {
        Instant now = clock.instant();
        if (now.isAfter(countedAt.plus(maxAge))) {
            Map<String, Double> fresh = new HashMap<>();
            for (NodeStanding s : store.ledger().standings().values()) {
                fresh.put(s.nodeId(), Reputation.preference(s, now, stakeReferenceMicros));
            }
            cached = Map.copyOf(fresh);
            countedAt = now;
        }
        return cached;
    }
}
