// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * A {@link SandboxDriver} that keeps warm pools: {@link #create} hands out a sandbox that was made and started
 * ahead of time with exactly the settings a cold one would get, when one is ready for the spec's pool key, and
 * makes one cold otherwise. A sandbox is handed out once and removed after its job; pools refill in the background.
 * Closing the driver drains every pool and leaves nothing behind. Thread-safe.
 */
public interface WarmPoolDriver extends SandboxDriver {

    /**
     * Starts keeping a pool for sandboxes like {@code like} (its image, limits, user and network; its name,
     * command, environment and files do not matter), as if a job had just asked for one. A spec that cannot be
     * pooled (published ports, mounts, GPUs, NAT) is refused.
     *
     * @throws IllegalArgumentException when {@code like} cannot be pooled, naming why
     */
    void prewarm(SandboxSpec like);

    /** How many started, never-used sandboxes are ready now for specs like {@code like} (0 when not poolable). */
    int ready(SandboxSpec like);

    /** Whether a sandbox for {@code spec} can come from a pool; otherwise {@link #create} makes it cold. */
    boolean poolable(SandboxSpec spec);

    /** The operator's pool settings. */
    PoolSettings settings();

    /** How many jobs took a ready sandbox, how many poolable ones were made cold, and how many wait now. */
    PoolCounts counts();
}
