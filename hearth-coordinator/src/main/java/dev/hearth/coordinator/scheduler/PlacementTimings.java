// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import java.time.Duration;

/** Where the scheduler reports how long placement takes (the coordinator's metrics). Implementations are thread-safe. */
public interface PlacementTimings {

    /** Reports nothing. */
    PlacementTimings NONE = new PlacementTimings() {
        @Override
        public void placement(Duration took) {
        }

        @Override
        public void submitToOffer(Duration waited) {
        }
    };

    /** One placement pass over a non-empty queue took {@code took}. */
    void placement(Duration took);

    /** A job's first offer went out {@code waited} after its submit. */
    void submitToOffer(Duration waited);
}
