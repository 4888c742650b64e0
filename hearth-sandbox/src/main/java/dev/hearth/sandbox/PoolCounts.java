// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * What a {@link WarmPoolDriver}'s pools did so far, for metrics and status: jobs that took a ready sandbox, jobs a
 * pool could have served that were made cold because none was ready, and the sandboxes ready now. Jobs that cannot
 * be pooled at all (network, ports, mounts, GPUs) count in neither. Immutable.
 *
 * @param warm sandboxes handed out from a pool (each started before its job asked, never used before)
 * @param cold poolable sandboxes made cold because their pool had none ready (a miss)
 * @param ready started, never-used sandboxes waiting now, all keys together
 */
public record PoolCounts(long warm, long cold, int ready) {

    /** Nothing pooled: a runtime without pools. */
    public static final PoolCounts NONE = new PoolCounts(0, 0, 0);
}
