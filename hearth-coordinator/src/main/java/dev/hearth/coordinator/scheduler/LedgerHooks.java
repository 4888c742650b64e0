// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the scheduler asks of the ledger, without knowing it: whom to prefer, and whom to tell when it ends a job.
 *
 * @param preferences each node's placement preference by node id (reputation and stake; absent means 0)
 * @param jobEnded told the id of each job whose lease the scheduler took back (the job may have failed for good)
 * @param housekeeping run every few ticks (settles holds a crash left open)
 */
public record LedgerHooks(Supplier<Map<String, Double>> preferences, Consumer<String> jobEnded, Runnable housekeeping) {

    /** No preferences, nobody told: placement as without a ledger. */
    public static final LedgerHooks NONE = new LedgerHooks(Map::of, id -> { }, () -> { });
}
