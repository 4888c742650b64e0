// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import dev.hearth.coordinator.store.Liveness;
import dev.hearth.coordinator.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Heartbeats on their way to the store: each connection records its node's latest one here and is answered at once,
 * and {@link #flush()} writes all pending ones in one transaction ({@link Store#heartbeats}). The scheduler flushes
 * before it looks for lost nodes, and at least every tick, so the store is at most a tick behind and a node is never
 * declared lost for a heartbeat still in this buffer.
 *
 * <p>Holds at most one entry per registered node (a newer heartbeat replaces the older), so its memory is bounded by
 * the connection cap. Thread-safe: {@link #record} from any connection's thread, {@link #flush} from any thread (one
 * flush at a time).
 */
public final class Heartbeats {

    private final Store store;
    private final Map<String, Liveness> pending = new ConcurrentHashMap<>();

    /** A buffer writing to {@code store}. */
    public Heartbeats(Store store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Records a node's heartbeat; it reaches the store with the next {@link #flush()}. */
    public void record(Liveness beat) {
        pending.put(beat.nodeId(), beat);
    }

    /** When the node's heartbeat still waiting in this buffer arrived, if one is. */
    public Optional<Instant> pendingSince(String nodeId) {
        return Optional.ofNullable(pending.get(nodeId)).map(Liveness::at);
    }

    /**
     * Writes every pending heartbeat in one transaction. On failure the heartbeats not replaced meanwhile stay
     * pending for the next flush, and the failure is thrown.
     *
     * @return how many were written
     */
    public synchronized int flush() {
        if (pending.isEmpty()) {
            return 0;
        }
        List<Liveness> batch = new ArrayList<>(pending.values());
        for (Liveness b : batch) {
            pending.remove(b.nodeId(), b); // a newer one recorded meanwhile stays for the next flush
        }
        try {
            store.heartbeats(batch);
        } catch (RuntimeException e) {
            batch.forEach(b -> pending.putIfAbsent(b.nodeId(), b));
            throw e;
        }
        return batch.size();
    }
}
