// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import dev.hearth.coordinator.store.NodeStanding;
import java.time.Duration;
import java.time.Instant;

/**
 * A node's reputation, 0 to 1, from its standing (see docs/architecture.md, "Ledger and reputation"):
 *
 * <pre>
 * reliability = (verified + 1) / (verified + 3 x failedVerification + timedOut + lost + 2)
 * uptime      = onlineTime / age   (1 for a node younger than a minute; clamped to 0..1)
 * reputation  = reliability x (0.5 + 0.5 x uptime)
 * </pre>
 *
 * A new node starts at 0.5. A result that fails verification costs three times what a timeout or a lost job costs,
 * because it is the one failure a node can cause on purpose. A failed job (non-zero exit) is neutral: the job, not
 * the node, decided it. The placement preference adds a stake bonus, {@code stake / (stake + reference)}, 0 to 1.
 * Pure functions; thread-safe.
 */
public final class Reputation {

    private static final Duration YOUNG = Duration.ofMinutes(1);

    private Reputation() {
    }

    /** The reputation of a node at {@code now}, 0 to 1. */
    public static double of(NodeStanding s, Instant now) {
        double reliability = (s.verified() + 1.0)
                / (s.verified() + 3.0 * s.failedVerification() + s.timedOut() + s.lost() + 2.0);
        return reliability * (0.5 + 0.5 * uptime(s, now));
    }

    /** The fraction of its life the node was heard from, 0 to 1. */
    public static double uptime(NodeStanding s, Instant now) {
        long age = Duration.between(s.registeredAt(), now).toMillis();
        if (age < YOUNG.toMillis()) {
            return 1;
        }
        return Math.clamp((double) s.onlineMillis() / age, 0, 1);
    }

    /** The stake bonus, 0 to 1: half at the reference stake. */
    public static double stakeBonus(long stakeMicros, long referenceMicros) {
        return stakeMicros <= 0 ? 0 : (double) stakeMicros / ((double) stakeMicros + referenceMicros);
    }

    /** What the scheduler prefers a node by: reputation plus stake bonus, 0 to 2. */
    public static double preference(NodeStanding s, Instant now, long stakeReferenceMicros) {
        return of(s, now) + stakeBonus(s.stakeMicros(), stakeReferenceMicros);
    }
}
