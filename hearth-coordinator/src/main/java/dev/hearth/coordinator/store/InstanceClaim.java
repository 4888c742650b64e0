// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** What {@link Tenants#claimInstance} did with an instance id on a node. */
public enum InstanceClaim {
    /** Nobody owned it: it is now the caller's. */
    CLAIMED,
    /** The caller already owned it (a create again of the same id; the node decides whether it exists). */
    ALREADY_YOURS,
    /** Another caller owns it: nothing changed. */
    NOT_YOURS,
    /** The caller owns as many instances as its limit allows: nothing changed. */
    OVER_QUOTA
}
