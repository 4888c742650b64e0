// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.store.NodeLimits;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the scheduler believes of a node and how long it waits for one: a lease's deadline is the job's timeout plus
 * {@code grace}; a node's declared capacity is clamped to its limits; a node whose leases expired
 * {@code cordonAfterExpiries} times is cordoned. Immutable.
 *
 * @param grace time beyond the job's timeout for pulling its image, starting it and sending its result
 * @param defaultLimits the limits of every node without an override
 * @param overrides limits of named nodes, by node id
 * @param cordonAfterExpiries lease expiries (since the node was last uncordoned) after which it is cordoned; 1 or more
 */
public record LeasePolicy(Duration grace, NodeLimits defaultLimits, Map<String, NodeLimits> overrides,
        int cordonAfterExpiries) {

    /** Defaults: 5 minutes' grace, at most 16 slots a node, cordoned after 3 expiries. */
    public static final LeasePolicy DEFAULTS = new LeasePolicy(Duration.ofMinutes(5), NodeLimits.DEFAULT, Map.of(), 3);

    public LeasePolicy {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(defaultLimits, "defaultLimits");
        overrides = Map.copyOf(overrides);
        if (grace.isNegative()) {
            throw new IllegalArgumentException("lease grace must not be negative, got " + grace);
        }
        if (cordonAfterExpiries < 1) {
            throw new IllegalArgumentException("cordon-after-expiries must be 1 or more, got " + cordonAfterExpiries);
        }
    }

    /** The limits of a node: its override set by the API ({@code stored}), else its flag override, else the default. */
    public NodeLimits limitsOf(String nodeId, Map<String, NodeLimits> stored) {
        return stored.getOrDefault(nodeId, overrides.getOrDefault(nodeId, defaultLimits));
    }
}
