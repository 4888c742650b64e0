// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import io.micrometer.core.instrument.Gauge;
import java.util.Locale;
import java.util.Map;

/**
 * The gauges {@code hearth_jobs{state}} and {@code hearth_nodes{state}}: one {@code GROUP BY} count per table per
 * scrape, taken as the scrape starts, from which every state's gauge reads. A gauge per state asking the store on
 * its own would cost one query per state (twelve a scrape); /metrics is unauthenticated, so a scrape must stay
 * cheap. Thread-safe: concurrent scrapes each take a snapshot, and a gauge reads whichever is newest.
 */
final class StateGauges {

    /** The counts of one scrape; a state absent from them reads as no value (NaN), not 0. */
    private record Snapshot(Map<JobState, Long> jobs, Map<NodeState, Long> nodes) {
    }

    private final Store store;
    private volatile Snapshot last = new Snapshot(Map.of(), Map.of());

    private StateGauges(Store store) {
        this.store = store;
    }

    /** Registers the gauges of every job and node state on {@code metrics}, counted afresh before each scrape. */
    static void register(CoordinatorMetrics metrics, Store store) {
        StateGauges gauges = new StateGauges(store);
        metrics.beforeScrape(gauges::count);
        for (JobState state : JobState.values()) {
            Gauge.builder("hearth_jobs", gauges, g -> value(g.last.jobs().get(state)))
                    .description("jobs, by state").tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(metrics.registry());
        }
        for (NodeState state : NodeState.values()) {
            Gauge.builder("hearth_nodes", gauges, g -> value(g.last.nodes().get(state)))
                    .description("registered nodes, by state").tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(metrics.registry());
        }
    }

    /** Two counts on the state indexes: never a row or a spec read. A store that fails leaves every gauge NaN. */
    private void count() {
        try {
            last = new Snapshot(store.jobCounts(), store.nodeCounts());
        } catch (RuntimeException e) {
            // the scrape still answers (JVM and process meters); the gauges say "unknown" rather than stale counts
            last = new Snapshot(Map.of(), Map.of());
        }
    }

    private static double value(Long count) {
        return count == null ? Double.NaN : count;
    }
}
