// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.time.Instant;
import java.util.Map;

/**
 * Told, as a Hearth node registers and before it can be offered anything on its new connection, which leases it
 * still holds; the scheduler takes back the others (see
 * {@link dev.hearth.coordinator.store.Store#reclaimUnclaimed}).
 */
@FunctionalInterface
public interface LeaseClaims {

    /** Nobody told: leases the node no longer holds stay until it is lost. */
    LeaseClaims NONE = (nodeId, claimed, grantedBy) -> { };

    /**
     * @param nodeId the node that registered
     * @param claimed the leases it holds: job id to epoch
     * @param grantedBy leases granted later than this were offered on the new connection and are not judged
     */
    void claimed(String nodeId, Map<String, Long> claimed, Instant grantedBy);
}
